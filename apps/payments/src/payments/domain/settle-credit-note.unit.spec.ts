import { decideSettlement, isFinalRefundRefusal, refundIdempotencyKey } from './settle-credit-note';

const invoice = (overrides: Partial<Parameters<typeof decideSettlement>[0]> = {}) => ({
  currency: 'JPY',
  totalMinor: 5_000,
  collectedMinor: 0,
  creditedMinor: 0,
  chargeInFlight: false,
  cardRefundableMinor: 0,
  ...overrides,
});
const credit = (totalMinor: number, currency = 'JPY', paidPartTo: 'refund' | 'account_credit' = 'refund') => ({ totalMinor, currency, paidPartTo });

describe('decideSettlement', () => {
  it('applies a partial JPY credit on an unpaid invoice to what is outstanding: the next attempt charges less', () => {
    expect(decideSettlement(invoice(), credit(1_200))).toEqual({
      kind: 'settle',
      appliedToOutstandingMinor: 1_200,
      refundMinor: 0,
      accountCreditMinor: 0,
      outstandingAfterMinor: 3_800,
    });
  });

  it('leaves nothing outstanding after a full credit of an unpaid KWD invoice', () => {
    expect(decideSettlement(invoice({ currency: 'KWD', totalMinor: 12_345 }), credit(12_345, 'KWD'))).toMatchObject({
      appliedToOutstandingMinor: 12_345,
      outstandingAfterMinor: 0,
    });
  });

  it('refunds the whole credit of a card-paid JPY invoice to the card', () => {
    expect(decideSettlement(invoice({ collectedMinor: 5_000, cardRefundableMinor: 5_000 }), credit(2_000))).toEqual({
      kind: 'settle',
      appliedToOutstandingMinor: 0,
      refundMinor: 2_000,
      accountCreditMinor: 0,
      outstandingAfterMinor: 0,
    });
  });

  it('on a partly paid invoice lowers the outstanding part first and refunds only the collected rest', () => {
    // 5000 total, 3000 collected by card, 2000 outstanding; a 2500 credit: 2000 off the debt, 500 back.
    expect(decideSettlement(invoice({ collectedMinor: 3_000, cardRefundableMinor: 3_000 }), credit(2_500))).toMatchObject({
      appliedToOutstandingMinor: 2_000,
      refundMinor: 500,
      accountCreditMinor: 0,
      outstandingAfterMinor: 0,
    });
  });

  it('counts earlier credits: a second credit of a half-credited unpaid invoice applies to what is left', () => {
    expect(decideSettlement(invoice({ creditedMinor: 2_500 }), credit(2_500))).toMatchObject({
      appliedToOutstandingMinor: 2_500,
      outstandingAfterMinor: 0,
    });
  });

  it('puts the collected part on the account instead when the credit note says account_credit', () => {
    expect(decideSettlement(invoice({ collectedMinor: 5_000, cardRefundableMinor: 5_000 }), credit(2_000, 'JPY', 'account_credit'))).toMatchObject({
      refundMinor: 0,
      accountCreditMinor: 2_000,
    });
  });

  it('gives money collected offline (no card to refund to) back as account credit', () => {
    expect(decideSettlement(invoice({ collectedMinor: 5_000, cardRefundableMinor: 0 }), credit(2_000))).toMatchObject({
      appliedToOutstandingMinor: 0,
      refundMinor: 0,
      accountCreditMinor: 2_000,
    });
  });

  it('refunds to the card only what its charge still holds; the part paid offline goes to account credit', () => {
    // 5000 total: 2000 by bank transfer, 3000 by card, of which 1000 already refunded.
    expect(decideSettlement(invoice({ collectedMinor: 5_000, cardRefundableMinor: 2_000 }), credit(3_000))).toMatchObject({
      refundMinor: 2_000,
      accountCreditMinor: 1_000,
    });
  });

  it('refunds a KWD credit rounded down to what Stripe takes (ending in 0) and credits the fils that are left', () => {
    expect(
      decideSettlement(invoice({ currency: 'KWD', totalMinor: 12_340, collectedMinor: 12_340, cardRefundableMinor: 12_340 }), credit(1_235, 'KWD')),
    ).toEqual({ kind: 'settle', appliedToOutstandingMinor: 0, refundMinor: 1_230, accountCreditMinor: 5, outstandingAfterMinor: 0 });
  });

  it('defers while a card attempt is pending: what was collected is not known yet', () => {
    expect(decideSettlement(invoice({ chargeInFlight: true }), credit(1_000))).toMatchObject({ kind: 'defer', code: 'charge_in_flight' });
  });

  it('refuses a credit note in another currency than the invoice', () => {
    expect(decideSettlement(invoice(), credit(1_000, 'KWD'))).toMatchObject({ kind: 'refuse', code: 'currency_mismatch' });
  });
});

describe('refund keys and refusals', () => {
  it('keys the refund by its credit note, so a repeat is the same refund', () => {
    expect(refundIdempotencyKey('0b6f1c1e-0000-4000-8000-000000000001')).toBe('refund:0b6f1c1e-0000-4000-8000-000000000001');
  });

  it('treats a charge that cannot be refunded any more as a final refund failure and an unknown code as not', () => {
    expect(isFinalRefundRefusal('charge_already_refunded')).toBe(true);
    expect(isFinalRefundRefusal('amount_too_large')).toBe(true);
    expect(isFinalRefundRefusal('parameter_unknown')).toBe(false);
    expect(isFinalRefundRefusal(null)).toBe(false);
  });
});
