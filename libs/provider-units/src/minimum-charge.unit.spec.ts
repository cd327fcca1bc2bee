import { isBelowProviderMinimum, providerMinimumCharge } from './minimum-charge';

describe('isBelowProviderMinimum', () => {
  it.each([
    ['USD', 49, 50],
    ['EUR', 49, 50],
    ['GBP', 29, 30],
    ['JPY', 49, 50],
    ['HUF', 17499, 17500],
    ['MXN', 999, 1000],
  ])("holds Stripe's documented minimum for %s: %i is below, %i is not", (currency, below, minimum) => {
    expect(isBelowProviderMinimum(below, currency)).toBe(true);
    expect(isBelowProviderMinimum(minimum, currency)).toBe(false);
    expect(providerMinimumCharge(currency)).toEqual({ amountMinor: minimum, source: 'stripe_documented' });
  });

  it.each([
    ['KWD', 309, 310],
    ['BHD', 379, 380],
    ['ISK', 149, 150],
    ['KRW', 1499, 1500],
    ['UGX', 3799, 3800],
  ])('uses a conservative estimate of about USD 1.00 for %s: %i is below, %i is not', (currency, below, minimum) => {
    expect(isBelowProviderMinimum(below, currency)).toBe(true);
    expect(isBelowProviderMinimum(minimum, currency)).toBe(false);
    expect(providerMinimumCharge(currency)?.source).toBe('project_estimate');
  });

  it('reads the currency code case-insensitively', () => {
    expect(isBelowProviderMinimum(49, 'usd')).toBe(true);
  });

  it('does not pre-empt Stripe for a currency without a known minimum', () => {
    expect(providerMinimumCharge('GEL')).toBeUndefined();
    expect(isBelowProviderMinimum(1, 'GEL')).toBe(false);
  });
});
