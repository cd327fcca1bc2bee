import { collectibleIncrementMinor, majorDecimalToMinor, minorToMajorString, minorUnitExponent, money } from './index';

describe('money', () => {
  it('knows the minor unit of zero-, two- and three-decimal currencies from its own table', () => {
    expect(minorUnitExponent('JPY')).toBe(0);
    expect(minorUnitExponent('USD')).toBe(2);
    expect(minorUnitExponent('HUF')).toBe(2);
    expect(minorUnitExponent('KWD')).toBe(3);
  });

  it('rounds a decimal amount once, half away from zero, to the minor unit', () => {
    expect(majorDecimalToMinor('0.125', 'USD').amountMinor).toBe(13);
    expect(majorDecimalToMinor('0.124999', 'USD').amountMinor).toBe(12);
    expect(majorDecimalToMinor('1234.5', 'JPY').amountMinor).toBe(1235);
    expect(majorDecimalToMinor('1.2345', 'KWD').amountMinor).toBe(1235);
  });

  it('prints minor units as exact major-unit strings', () => {
    expect(minorToMajorString(1050, 'USD')).toBe('10.50');
    expect(minorToMajorString(5, 'JPY')).toBe('5');
    expect(minorToMajorString(1230, 'KWD')).toBe('1.230');
  });

  it('collects three-decimal currencies in tens of their minor unit, every other to the minor unit', () => {
    expect(['KWD', 'BHD', 'JOD', 'OMR', 'TND'].map(collectibleIncrementMinor)).toEqual([10, 10, 10, 10, 10]);
    expect(['USD', 'JPY', 'HUF', 'ISK'].map(collectibleIncrementMinor)).toEqual([1, 1, 1, 1]);
  });

  it('refuses fractional amounts and unknown currencies', () => {
    expect(() => money(10.5, 'USD')).toThrow(/safe integer/);
    expect(() => money(10, 'XYZ')).toThrow(/unknown ISO 4217/);
  });
});
