import { PaymentAccount, applyMethodChange, instrumentForAttempt } from './payment-account';

const change = (paymentMethodId: string | null, changedAt: string, sourceEventId = `evt-${paymentMethodId}`): PaymentAccount => ({
  accountId: 'acc-1',
  providerCustomerId: 'cus_1',
  paymentMethodId,
  changedAt,
  sourceEventId,
});

describe('applyMethodChange', () => {
  it('takes the first change of an account it never heard of', () => {
    const first = change('pm_card_visa', '2026-12-01T08:00:00.000Z');
    expect(applyMethodChange(undefined, first)).toBe(first);
  });

  it('takes a newer change and ignores an older one delivered late', () => {
    const older = change('pm_old', '2026-12-01T08:00:00.000Z');
    const newer = change('pm_new', '2026-12-02T08:00:00.000Z');
    expect(applyMethodChange(older, newer)).toBe(newer);
    expect(applyMethodChange(newer, older)).toBe(newer);
  });

  it('follows partition order for two changes at the same instant, and a removed method counts as a change', () => {
    const a = change('pm_a', '2026-12-01T08:00:00.000Z');
    const removed = change(null, '2026-12-01T08:00:00Z', 'evt-removed');
    expect(applyMethodChange(a, removed)).toBe(removed);
  });
});

describe('instrumentForAttempt', () => {
  const snapshot = { providerCustomerId: 'cus_snapshot', paymentMethodId: 'pm_snapshot' };

  it("charges the account's current method, not the invoice snapshot's", () => {
    expect(instrumentForAttempt(change('pm_new', '2026-12-02T08:00:00.000Z'), snapshot)).toEqual({
      providerCustomerId: 'cus_1',
      paymentMethodId: 'pm_new',
    });
  });

  it('has no method when the account removed it, even if the snapshot had one', () => {
    expect(instrumentForAttempt(change(null, '2026-12-02T08:00:00.000Z'), snapshot).paymentMethodId).toBeNull();
  });

  it("falls back to the snapshot's for an account payments never heard of", () => {
    expect(instrumentForAttempt(undefined, snapshot)).toEqual(snapshot);
  });
});
