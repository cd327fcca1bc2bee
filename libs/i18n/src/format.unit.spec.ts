import {
  formatDate,
  formatDecimal,
  formatInstant,
  formatMoney,
  formatPeriod,
  formatRfc5322Date,
  formatUnitPrice,
} from './format';

const NBSP = '\u00a0';

describe('formatMoney', () => {
  it('formats minor units with the exponent from our own currency table', () => {
    expect(formatMoney(1000, 'USD', 'en-US')).toBe('$10.00');
    expect(formatMoney(123456, 'EUR', 'de-DE')).toBe(`1.234,56${NBSP}€`);
    expect(formatMoney(17500, 'HUF', 'hu-HU')).toBe(`175,00${NBSP}Ft`);
    expect(formatMoney(1500, 'JPY', 'ja-JP')).toBe('￥1,500');
    expect(formatMoney(1234, 'KWD', 'en-US')).toBe(`KWD${NBSP}1.234`);
  });

  it('keeps every digit of amounts beyond float precision', () => {
    expect(formatMoney(9007199254740991, 'USD', 'en-US')).toBe('$90,071,992,547,409.91');
  });

  it('formats negative amounts', () => {
    expect(formatMoney(-1050, 'USD', 'en-US')).toBe('-$10.50');
  });

  it('refuses fractional minor units and unknown currencies', () => {
    expect(() => formatMoney(10.5, 'USD', 'en-US')).toThrow(/safe integer/);
    expect(() => formatMoney(10, 'XYZ', 'en-US')).toThrow(/unknown ISO 4217/);
  });

  it('falls back to en-US, not the process locale, for a locale Intl has no data for', () => {
    expect(formatMoney(1000, 'USD', 'zz-ZZ')).toBe('$10.00');
  });
});

describe('formatUnitPrice and formatDecimal', () => {
  it('shows a unit price finer than the minor unit with all its decimals', () => {
    expect(formatUnitPrice('0.0125', 'USD', 'en-US')).toBe('$0.0125');
    expect(formatUnitPrice('2', 'USD', 'en-US')).toBe('$2.00');
    expect(formatUnitPrice('1.5', 'JPY', 'ja-JP')).toBe('￥1.5');
  });

  it('shows a quantity with exactly the decimals it has, grouped for the locale', () => {
    expect(formatDecimal('1234.5', 'en-US')).toBe('1,234.5');
    expect(formatDecimal('1234.5', 'de-DE')).toBe('1.234,5');
    expect(formatDecimal('800', 'en-US')).toBe('800');
  });
});

describe('formatInstant and formatDate', () => {
  it('shows an instant in the account zone with its abbreviation', () => {
    expect(formatInstant('2017-08-08T03:31:09Z', 'America/Los_Angeles', 'en-US')).toBe(
      'August 7, 2017 at 8:31:09 PM PDT',
    );
  });

  it('shows the same instant in another zone and locale', () => {
    expect(formatInstant('2017-08-08T03:31:09Z', 'Europe/Budapest', 'hu-HU')).toBe('2017. augusztus 8. 5:31:09 CEST');
  });

  it('shows the calendar date of an instant in the account zone', () => {
    expect(formatDate('2017-08-08T03:31:09Z', 'America/Los_Angeles', 'en-US')).toBe('August 7, 2017');
    expect(formatDate('2017-08-08T03:31:09Z', 'Asia/Tokyo', 'en-US')).toBe('August 8, 2017');
  });

  it('refuses an instant without a UTC designator', () => {
    expect(() => formatInstant('2017-08-08T03:31:09', 'UTC', 'en-US')).toThrow(/ending in Z/);
  });
});

describe('formatPeriod and formatRfc5322Date', () => {
  it('names a billing month without shifting it through a time zone', () => {
    expect(formatPeriod('2017-07', 'en-US')).toBe('July 2017');
    expect(formatPeriod('2017-01', 'de-DE')).toBe('Januar 2017');
  });

  it('writes the Date header in UTC', () => {
    expect(formatRfc5322Date('2017-08-08T03:31:09Z')).toBe('Tue, 08 Aug 2017 03:31:09 +0000');
  });
});
