import { computeForAccount, describeFailure } from './account-failure';
import { rateUsage } from './rating';

describe('an account whose invoice cannot be computed fails alone, with a code and a reason', () => {
  it('given a SKU without a price in the currency, when rated, then the failure names the code, the SKU and the currency', () => {
    const result = computeForAccount('acc-1', () => {
      const rating = rateUsage({
        currency: 'JPY',
        period: '2026-11',
        products: [{ sku: 'seat', description: 'Seat', unit: 'seat', prices: { USD: { unitPrice: '10' } } }],
        usage: [{ usageId: 'u-1', sku: 'seat', resourceId: 's-1', quantity: '1', occurredAt: '2026-11-10T00:00:00.000Z' }],
      });
      return rating.ok ? { ok: true, value: rating.lines } : rating;
    });
    expect(result).toEqual({ ok: false, failure: { accountId: 'acc-1', code: 'price_missing', reason: 'price_missing: sku=seat, currency=JPY' } });
  });

  it('given a computation that throws, when computed, then the account fails with unexpected_error and the error as its reason', () => {
    const result = computeForAccount('acc-2', () => {
      throw new RangeError('amountMinor must be a safe integer');
    });
    expect(result).toEqual({ ok: false, failure: { accountId: 'acc-2', code: 'unexpected_error', reason: 'RangeError: amountMinor must be a safe integer' } });
  });

  it('given a computation that succeeds, when computed, then its value comes back', () => {
    expect(computeForAccount('acc-3', () => ({ ok: true, value: 42 }))).toEqual({ ok: true, value: 42 });
  });

  it('given a failure with structured fields, when described, then they read as key=value and a long reason is clipped', () => {
    expect(describeFailure({ ok: false, code: 'usage_conflict', usageId: 'u-1', detail: { a: 1 } } as never)).toBe('usage_conflict: usageId=u-1, detail={"a":1}');
    expect(describeFailure({ ok: false, code: 'period_not_ended' })).toBe('period_not_ended');
    expect(describeFailure({ ok: false, code: 'x', text: 'y'.repeat(5000) } as never)).toHaveLength(2000);
  });
});
