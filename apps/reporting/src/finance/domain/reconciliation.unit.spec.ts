import { CurrencyTotals, totalsThatDoNotAddUp } from './reconciliation';

const totals = (t: Partial<CurrencyTotals> & Pick<CurrencyTotals, 'currency' | 'invoicedMinor' | 'collectedMinor' | 'outstandingMinor'>): CurrencyTotals => ({
  carriedForwardMinor: 0,
  creditedMinor: 0,
  refundedMinor: 0,
  refundPendingMinor: 0,
  refundFailedMinor: 0,
  accountCreditGrantedMinor: 0,
  creditAwaitingSettlementMinor: 0,
  ...t,
});

describe('reconciliation totals', () => {
  it('reports a currency only when invoiced less carried forward differs from collected plus outstanding', () => {
    expect(
      totalsThatDoNotAddUp([
        totals({ currency: 'JPY', invoicedMinor: 4_980, collectedMinor: 4_980, outstandingMinor: 0 }),
        totals({ currency: 'USD', invoicedMinor: 12_345, collectedMinor: 2_345, outstandingMinor: 10_000 }),
        totals({ currency: 'EUR', invoicedMinor: 3_000, collectedMinor: 2_500, outstandingMinor: 1_000 }),
      ]),
    ).toEqual([{ ...totals({ currency: 'EUR', invoicedMinor: 3_000, collectedMinor: 2_500, outstandingMinor: 1_000 }), differenceMinor: -500 }]);
  });

  it.each([
    ['USD', 30],
    ['JPY', 49],
    ['KWD', 100],
  ])('balances a %s total of %i minor units carried forward, and flags it when it was also collected', (currency, carried) => {
    const invoiced = 10_000 + carried;
    expect(totalsThatDoNotAddUp([totals({ currency, invoicedMinor: invoiced, carriedForwardMinor: carried, collectedMinor: 6_000, outstandingMinor: 4_000 })])).toEqual([]);
    // the carried invoice paid offline as well: collected once too often
    expect(
      totalsThatDoNotAddUp([totals({ currency, invoicedMinor: invoiced, carriedForwardMinor: carried, collectedMinor: 6_000 + carried, outstandingMinor: 4_000 })]),
    ).toEqual([expect.objectContaining({ currency, differenceMinor: -carried })]);
  });

  /**
   * One invoice of 4,980 minor units through every correction, in a zero-decimal and a
   * three-decimal currency (¥4,980 and 4.980 KWD): the figures the projection reports at each step.
   */
  describe.each(['JPY', 'KWD'])('corrections of a %s invoice of 4980 minor units', (currency) => {
    const invoice = { currency, invoicedMinor: 4_980 };
    const steps: [string, Partial<CurrencyTotals>][] = [
      ['unpaid, partly credited (1,000), not settled yet', { creditedMinor: 1_000, collectedMinor: 0, outstandingMinor: 3_980 }],
      ['unpaid, partly credited and settled to outstanding', { creditedMinor: 1_000, collectedMinor: 0, outstandingMinor: 3_980 }],
      ['unpaid, fully credited', { creditedMinor: 4_980, collectedMinor: 0, outstandingMinor: 0 }],
      ['voided', { creditedMinor: 4_980, collectedMinor: 0, outstandingMinor: 0 }],
      ['partly credited, then the rest collected', { creditedMinor: 1_000, collectedMinor: 3_980, outstandingMinor: 0 }],
      ['paid, credited 1,001, not settled yet', { creditedMinor: 1_001, collectedMinor: 4_980, creditAwaitingSettlementMinor: 1_001, outstandingMinor: 0 }],
      ['paid, credited 1,001 to refund, refund pending', { creditedMinor: 1_001, collectedMinor: 4_980, refundPendingMinor: 1_001, outstandingMinor: 0 }],
      ['paid, credited 1,001, refunded', { creditedMinor: 1_001, collectedMinor: 4_980, refundedMinor: 1_001, outstandingMinor: 0 }],
      ['paid, credited 1,001, refund failed', { creditedMinor: 1_001, collectedMinor: 4_980, refundFailedMinor: 1_001, outstandingMinor: 0 }],
      ['paid, credited 1,001 to account credit', { creditedMinor: 1_001, collectedMinor: 4_980, accountCreditGrantedMinor: 1_001, outstandingMinor: 0 }],
      ['half paid (2,000), credited 3,500: 2,980 off outstanding, 520 refunded', { creditedMinor: 3_500, collectedMinor: 2_000, refundedMinor: 520, outstandingMinor: 0 }],
    ];

    it.each(steps)('adds up when %s', (_, figures) => {
      expect(totalsThatDoNotAddUp([totals({ ...invoice, collectedMinor: 0, outstandingMinor: 0, ...figures })])).toEqual([]);
    });

    it('flags a refund that was also left outstanding, a failed refund dropped from the figures and a refund paid twice', () => {
      const paid = { ...invoice, creditedMinor: 1_001, collectedMinor: 4_980 };
      expect(totalsThatDoNotAddUp([totals({ ...paid, refundedMinor: 1_001, outstandingMinor: 1_001 })])).toEqual([expect.objectContaining({ differenceMinor: -1_001 })]);
      expect(totalsThatDoNotAddUp([totals({ ...paid, outstandingMinor: 0 })])).toEqual([expect.objectContaining({ differenceMinor: -1_001 })]);
      expect(totalsThatDoNotAddUp([totals({ ...paid, refundedMinor: 2_002, outstandingMinor: 0 })])).toEqual([expect.objectContaining({ differenceMinor: 1_001 })]);
    });
  });
});
