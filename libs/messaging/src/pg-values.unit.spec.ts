import { toSafeInteger, toUtcIso, toUtcIsoOrNull } from './pg-values';

describe('PostgreSQL value conversion', () => {
  it('reads a bigint or count(*) string as a number, and refuses one a number cannot hold exactly', () => {
    expect(toSafeInteger('9007199254740991', 'amount_minor')).toBe(Number.MAX_SAFE_INTEGER);
    expect(toSafeInteger(42, 'attempt')).toBe(42);
    expect(() => toSafeInteger('9007199254740993', 'amount_minor')).toThrow('amount_minor is not a safe integer: 9007199254740993');
    expect(() => toSafeInteger('12.5', 'amount_minor')).toThrow(RangeError);
    expect(toSafeInteger(null, 'sum_minor')).toBe(0); // as Number(null): an empty sum()
  });

  it('reads a timestamptz as a UTC instant with Z, and keeps null as null', () => {
    expect(toUtcIso(new Date('2026-11-30T23:00:00+01:00'))).toBe('2026-11-30T22:00:00.000Z');
    expect(toUtcIso('2026-11-30 23:00:00+01')).toBe('2026-11-30T22:00:00.000Z');
    expect(toUtcIsoOrNull(null)).toBeNull();
    expect(toUtcIsoOrNull(undefined)).toBeNull();
    expect(toUtcIsoOrNull(new Date('2026-11-30T22:00:00Z'))).toBe('2026-11-30T22:00:00.000Z');
  });
});
