import { totalsThatDoNotAddUp } from './reconciliation';

describe('reconciliation totals', () => {
  it('reports a currency only when invoiced less carried forward differs from collected plus outstanding', () => {
    expect(
      totalsThatDoNotAddUp([
        { currency: 'JPY', invoicedMinor: 4_980, carriedForwardMinor: 0, collectedMinor: 4_980, outstandingMinor: 0 },
        { currency: 'USD', invoicedMinor: 12_345, carriedForwardMinor: 0, collectedMinor: 2_345, outstandingMinor: 10_000 },
        { currency: 'EUR', invoicedMinor: 3_000, carriedForwardMinor: 0, collectedMinor: 2_500, outstandingMinor: 1_000 },
      ]),
    ).toEqual([{ currency: 'EUR', invoicedMinor: 3_000, carriedForwardMinor: 0, collectedMinor: 2_500, outstandingMinor: 1_000, differenceMinor: -500 }]);
  });

  it.each([
    ['USD', 30],
    ['JPY', 49],
    ['KWD', 100],
  ])('balances a %s total of %i minor units carried forward, and flags it when it was also collected', (currency, carried) => {
    const invoiced = 10_000 + carried;
    expect(totalsThatDoNotAddUp([{ currency, invoicedMinor: invoiced, carriedForwardMinor: carried, collectedMinor: 6_000, outstandingMinor: 4_000 }])).toEqual([]);
    // the carried invoice paid offline as well: collected once too often
    expect(
      totalsThatDoNotAddUp([{ currency, invoicedMinor: invoiced, carriedForwardMinor: carried, collectedMinor: 6_000 + carried, outstandingMinor: 4_000 }]),
    ).toEqual([expect.objectContaining({ currency, differenceMinor: -carried })]);
  });
});
