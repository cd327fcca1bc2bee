import { isAboveProviderMaximum, providerMaximumMinor, providerStepMinor, toProviderAmount } from './provider-amount';

describe('toProviderAmount', () => {
  it.each([
    ['USD', 2000, 2000, 'usd'],
    ['EUR', 50, 50, 'eur'],
    ['JPY', 5000, 5000, 'jpy'],
    ['KRW', 15000, 15000, 'krw'],
    ['KWD', 12340, 12340, 'kwd'],
    ['BHD', 1000, 1000, 'bhd'],
    ['HUF', 17500, 17500, 'huf'],
    ['HUF', 17550, 17550, 'huf'],
    ['TWD', 3350, 3350, 'twd'],
    ['ISK', 1, 100, 'isk'],
    ['ISK', 150, 15000, 'isk'],
    ['UGX', 3800, 380000, 'ugx'],
    ['MGA', 460000, 4600, 'mga'],
  ])('sends %s %i minor units to Stripe as amount %i in %s', (currency, minor, amount, providerCurrency) => {
    expect(toProviderAmount(minor, currency)).toEqual({ ok: true, amount, currency: providerCurrency });
  });

  it('accepts a lower-case currency code and answers with the lower-case code Stripe wants', () => {
    expect(toProviderAmount(2000, 'usd')).toEqual({ ok: true, amount: 2000, currency: 'usd' });
  });

  it.each(['KWD', 'BHD', 'JOD', 'OMR', 'TND'])('refuses a %s amount whose last digit is not zero instead of rounding it', (currency) => {
    expect(toProviderAmount(12345, currency)).toMatchObject({ ok: false, code: 'three_decimal_not_multiple_of_ten' });
  });

  it('refuses an MGA amount that is not a whole ariary, since Stripe charges MGA in whole units', () => {
    expect(toProviderAmount(460050, 'MGA')).toMatchObject({ ok: false, code: 'not_whole_provider_units' });
  });

  it.each([0, -100, 10.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])('refuses the amount %p as invalid', (amount) => {
    expect(toProviderAmount(amount, 'USD')).toMatchObject({ ok: false, code: 'invalid_amount' });
  });

  it('refuses a code that is not ISO 4217', () => {
    expect(toProviderAmount(100, 'XYZ')).toMatchObject({ ok: false, code: 'unknown_currency' });
  });

  it.each(['IQD', 'CLF', 'IRR'])('refuses %s, an ISO currency Stripe does not offer', (currency) => {
    expect(toProviderAmount(1000, currency)).toMatchObject({ ok: false, code: 'currency_not_supported_by_provider' });
  });

  it('refuses an amount above Stripe maximum of eight digits', () => {
    expect(toProviderAmount(99_999_999, 'USD')).toMatchObject({ ok: true, amount: 99_999_999 });
    expect(toProviderAmount(100_000_000, 'USD')).toMatchObject({ ok: false, code: 'amount_too_large' });
    expect(toProviderAmount(1_000_000, 'ISK')).toMatchObject({ ok: false, code: 'amount_too_large' });
  });
});

describe('providerMaximumMinor', () => {
  it.each([
    ['JPY', 99_999_999, 1],
    ['USD', 99_999_999, 1],
    ['HUF', 99_999_999, 1],
    ['TWD', 99_999_999, 1],
    ['KWD', 99_999_990, 10],
    ['ISK', 999_999, 1],
    ['UGX', 999_999, 1],
    ['MGA', 9_999_999_900, 100],
  ])('%s: the largest chargeable amount is %p minor units, one increment more is refused', (currency, maximum, increment) => {
    expect(providerMaximumMinor(currency)).toBe(maximum);
    expect(toProviderAmount(maximum, currency)).toMatchObject({ ok: true });
    expect(toProviderAmount(maximum + increment, currency)).toMatchObject({ ok: false, code: 'amount_too_large' });
    expect(isAboveProviderMaximum(maximum, currency)).toBe(false);
    expect(isAboveProviderMaximum(maximum + increment, currency)).toBe(true);
  });
});

describe('providerStepMinor', () => {
  it.each([
    ['JPY', 1],
    ['USD', 1],
    ['KWD', 10],
    ['BHD', 10],
    ['MGA', 100],
    ['ISK', 1],
  ])('%s: every multiple of %i minor units is an amount the provider takes, and nothing finer', (currency, step) => {
    expect(providerStepMinor(currency)).toBe(step);
    expect(toProviderAmount(step * 7, currency).ok).toBe(true);
    if (step > 1) expect(toProviderAmount(step * 7 + 1, currency).ok).toBe(false);
  });
});
