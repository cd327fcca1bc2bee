import { chargeIdempotencyKey, decideCharge } from './decide-charge';

const invoice = (overrides: Partial<Parameters<typeof decideCharge>[0]> = {}) => ({
  currency: 'USD',
  totalMinor: 2_000,
  collectedMinor: 0,
  creditedMinor: 0,
  paymentMethodId: 'pm_card_visa',
  attempt: 1,
  ...overrides,
});

describe('decideCharge', () => {
  it('charges the outstanding amount of the invoice in provider units', () => {
    expect(decideCharge(invoice({ totalMinor: 2_000, collectedMinor: 500 }))).toEqual({
      kind: 'charge',
      amountMinor: 1_500,
      providerAmount: 1_500,
      providerCurrency: 'usd',
    });
  });

  it.each([
    ['JPY', 5_000, 5_000],
    ['KWD', 12_340, 12_340],
    ['HUF', 175_000, 175_000],
    ['ISK', 1_000, 100_000],
  ])('sends %s %i minor units as %i at the provider', (currency, totalMinor, providerAmount) => {
    expect(decideCharge(invoice({ currency, totalMinor }))).toMatchObject({ kind: 'charge', providerAmount });
  });

  it.each([
    ['JPY', 5_000, 1_200, 3_800],
    ['KWD', 12_340, 2_340, 10_000],
  ])('charges a %s invoice of %i credited by %i only the %i still outstanding', (currency, totalMinor, creditedMinor, amountMinor) => {
    expect(decideCharge(invoice({ currency, totalMinor, creditedMinor }))).toEqual({
      kind: 'charge',
      amountMinor,
      providerAmount: amountMinor,
      providerCurrency: currency.toLowerCase(),
    });
  });

  it('skips a fully credited invoice as nothing to collect, and one paid in part and credited for the rest', () => {
    expect(decideCharge(invoice({ creditedMinor: 2_000 }))).toEqual({ kind: 'skip', reason: 'nothing_to_collect', amountMinor: 0 });
    expect(decideCharge(invoice({ collectedMinor: 500, creditedMinor: 1_500 }))).toMatchObject({ kind: 'skip', reason: 'nothing_to_collect' });
  });

  it('skips a zero-total invoice as nothing to collect', () => {
    expect(decideCharge(invoice({ totalMinor: 0 }))).toEqual({ kind: 'skip', reason: 'nothing_to_collect', amountMinor: 0 });
  });

  it('skips an invoice already paid as nothing to collect', () => {
    expect(decideCharge(invoice({ collectedMinor: 2_000 }))).toMatchObject({ kind: 'skip', reason: 'nothing_to_collect' });
  });

  it('skips an outstanding amount below the provider minimum', () => {
    expect(decideCharge(invoice({ totalMinor: 49 }))).toEqual({ kind: 'skip', reason: 'below_provider_minimum', amountMinor: 49 });
  });

  it.each([
    ['JPY', 100_000_000],
    ['KWD', 100_000_000],
  ])('skips a %s invoice of %i minor units that invoicing marked for manual collection, without a provider call', (currency, totalMinor) => {
    expect(decideCharge(invoice({ currency, totalMinor, collection: 'manual_above_provider_maximum' }))).toEqual({
      kind: 'skip',
      reason: 'manual_collection',
      amountMinor: totalMinor,
    });
  });

  it('decides an invoice without a collection (issued before the field) as before: above the maximum is refused', () => {
    expect(decideCharge(invoice({ currency: 'JPY', totalMinor: 100_000_000 }))).toMatchObject({ kind: 'refuse', code: 'amount_too_large' });
    expect(decideCharge(invoice({ currency: 'JPY', totalMinor: 5_000, collection: 'charge_automatically' }))).toMatchObject({ kind: 'charge' });
  });

  it('skips an invoice without a payment method', () => {
    expect(decideCharge(invoice({ paymentMethodId: null }))).toEqual({ kind: 'skip', reason: 'no_payment_method', amountMinor: 2_000 });
  });

  it.each([
    ['below_provider_minimum', 'below_provider_minimum'],
    ['no_payment_method', 'no_payment_method'],
    ['manual_above_provider_maximum', 'manual_collection'],
  ] as const)('obeys collection %s on attempt 1 even when the account has a method: skip %s', (collection, reason) => {
    expect(decideCharge(invoice({ currency: 'JPY', totalMinor: 5_000, collection }))).toEqual({ kind: 'skip', reason, amountMinor: 5_000 });
  });

  it('charges a later attempt of a no_payment_method invoice to the method the account has now', () => {
    expect(decideCharge(invoice({ currency: 'KWD', totalMinor: 12_340, collection: 'no_payment_method', attempt: 2 }))).toEqual({
      kind: 'charge',
      amountMinor: 12_340,
      providerAmount: 12_340,
      providerCurrency: 'kwd',
    });
    expect(decideCharge(invoice({ collection: 'no_payment_method', attempt: 3, paymentMethodId: null }))).toMatchObject({
      kind: 'skip',
      reason: 'no_payment_method',
    });
  });

  it('never charges a later attempt of a below-minimum invoice (its total was carried to the next invoice) or a manual one', () => {
    expect(decideCharge(invoice({ totalMinor: 5_000, collection: 'below_provider_minimum', attempt: 2 }))).toMatchObject({
      kind: 'skip',
      reason: 'below_provider_minimum',
    });
    expect(decideCharge(invoice({ collection: 'manual_above_provider_maximum', attempt: 2 }))).toMatchObject({
      kind: 'skip',
      reason: 'manual_collection',
    });
  });

  it('never charges a paid invoice again, whatever its collection or the attempt', () => {
    expect(decideCharge(invoice({ collectedMinor: 2_000, collection: 'no_payment_method', attempt: 4 }))).toEqual({
      kind: 'skip',
      reason: 'nothing_to_collect',
      amountMinor: 0,
    });
  });

  it('refuses a three-decimal amount the provider cannot take instead of rounding it', () => {
    expect(decideCharge(invoice({ currency: 'KWD', totalMinor: 12_345 }))).toMatchObject({
      kind: 'refuse',
      code: 'three_decimal_not_multiple_of_ten',
    });
  });
});

describe('chargeIdempotencyKey', () => {
  it('names the invoice and the attempt, so a retry of one attempt reuses it and the next attempt gets its own', () => {
    const id = '0b8f7a52-5a59-4b8e-9d4e-0b7c9b0c1d11';
    expect(chargeIdempotencyKey(id, 1)).toBe(`invoice:${id}:attempt:1`);
    expect(chargeIdempotencyKey(id, 2)).toBe(`invoice:${id}:attempt:2`);
  });
});
