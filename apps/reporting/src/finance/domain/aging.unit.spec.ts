import { ageReceivables, agingBucket, endOfUtcDay } from './aging';

describe('receivables aging', () => {
  it('ends the asOf day at the next UTC midnight, across month and year ends', () => {
    expect(endOfUtcDay('2026-12-20')).toBe('2026-12-21T00:00:00.000Z');
    expect(endOfUtcDay('2026-12-31')).toBe('2027-01-01T00:00:00.000Z');
    expect(endOfUtcDay('2028-02-28')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('puts days past due in the documented buckets', () => {
    expect([0, 1, 30, 31, 60, 61, 90, 91, 400].map(agingBucket)).toEqual([
      'current',
      'days1To30',
      'days1To30',
      'days31To60',
      'days31To60',
      'days61To90',
      'days61To90',
      'over90',
      'over90',
    ]);
  });

  it('sums outstanding per currency into buckets, never across currencies', () => {
    expect(
      ageReceivables([
        { currency: 'USD', daysPastDue: 0, outstandingMinor: 1_000, invoices: 2 },
        { currency: 'KWD', daysPastDue: 45, outstandingMinor: 7_250, invoices: 1 },
        { currency: 'USD', daysPastDue: 12, outstandingMinor: 99, invoices: 1 },
        { currency: 'USD', daysPastDue: 120, outstandingMinor: 1, invoices: 1 },
      ]),
    ).toEqual([
      { currency: 'KWD', current: 0, days1To30: 0, days31To60: 7_250, days61To90: 0, over90: 0, totalMinor: 7_250, invoices: 1 },
      { currency: 'USD', current: 1_000, days1To30: 99, days31To60: 0, days61To90: 0, over90: 1, totalMinor: 1_100, invoices: 4 },
    ]);
  });
});
