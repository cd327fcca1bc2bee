import { decideOfflinePayment } from './decide-offline-payment';

const NOW = new Date('2026-12-10T12:00:00.000Z');
const jpy = { currency: 'JPY', totalMinor: 5_000, collectedMinor: 0, creditedMinor: 0, chargeInFlight: false };
const kwd = { currency: 'KWD', totalMinor: 12_345, collectedMinor: 0, creditedMinor: 0, chargeInFlight: false };
const payment = (amountMinor: number, currency: string, receivedAt = '2026-12-09T09:00:00.000Z') => ({ amountMinor, currency, receivedAt });

describe('decideOfflinePayment', () => {
  it('records a full JPY payment: nothing outstanding after it', () => {
    expect(decideOfflinePayment(jpy, payment(5_000, 'JPY'), NOW)).toEqual({ kind: 'record', amountMinor: 5_000, outstandingAfterMinor: 0 });
  });

  it('records a partial KWD payment to the fils and leaves the rest outstanding', () => {
    expect(decideOfflinePayment({ ...kwd, collectedMinor: 5 }, payment(12_001, 'KWD'), NOW)).toEqual({
      kind: 'record',
      amountMinor: 12_001,
      outstandingAfterMinor: 339,
    });
  });

  it('counts what credit notes took off the invoice: more than total − collected − credited is refused', () => {
    expect(decideOfflinePayment({ ...jpy, creditedMinor: 3_000 }, payment(2_001, 'JPY'), NOW)).toMatchObject({
      kind: 'refuse',
      code: 'amount_exceeds_outstanding',
    });
    expect(decideOfflinePayment({ ...kwd, creditedMinor: 2_345 }, payment(10_000, 'KWD'), NOW)).toEqual({
      kind: 'record',
      amountMinor: 10_000,
      outstandingAfterMinor: 0,
    });
  });

  it('refuses one minor unit more than is outstanding (no silent credit), in JPY and KWD', () => {
    expect(decideOfflinePayment({ ...jpy, collectedMinor: 1_000 }, payment(4_001, 'JPY'), NOW)).toMatchObject({
      kind: 'refuse',
      code: 'amount_exceeds_outstanding',
    });
    expect(decideOfflinePayment(kwd, payment(12_346, 'KWD'), NOW)).toMatchObject({ kind: 'refuse', code: 'amount_exceeds_outstanding' });
  });

  it('refuses any payment of an invoice already paid', () => {
    expect(decideOfflinePayment({ ...jpy, collectedMinor: 5_000 }, payment(1, 'JPY'), NOW)).toMatchObject({
      kind: 'refuse',
      code: 'amount_exceeds_outstanding',
    });
  });

  it('refuses another currency than the invoice one before anything else', () => {
    expect(decideOfflinePayment({ ...jpy, chargeInFlight: true }, payment(5_000, 'USD'), NOW)).toMatchObject({
      kind: 'refuse',
      code: 'currency_mismatch',
    });
  });

  it('refuses while a card attempt is in flight', () => {
    expect(decideOfflinePayment({ ...kwd, chargeInFlight: true }, payment(100, 'KWD'), NOW)).toMatchObject({
      kind: 'refuse',
      code: 'charge_in_flight',
    });
  });

  it('refuses a payment received after now', () => {
    expect(decideOfflinePayment(jpy, payment(100, 'JPY', '2026-12-10T12:00:00.001Z'), NOW)).toMatchObject({
      kind: 'refuse',
      code: 'received_in_future',
    });
  });
});
