import { totalsThatDoNotAddUp } from './reconciliation';

describe('reconciliation totals', () => {
  it('reports a currency only when invoiced differs from collected plus outstanding', () => {
    expect(
      totalsThatDoNotAddUp([
        { currency: 'JPY', invoicedMinor: 4_980, collectedMinor: 4_980, outstandingMinor: 0 },
        { currency: 'USD', invoicedMinor: 12_345, collectedMinor: 2_345, outstandingMinor: 10_000 },
        { currency: 'EUR', invoicedMinor: 3_000, collectedMinor: 2_500, outstandingMinor: 1_000 },
      ]),
    ).toEqual([{ currency: 'EUR', invoicedMinor: 3_000, collectedMinor: 2_500, outstandingMinor: 1_000, differenceMinor: -500 }]);
  });
});
