/**
 * The one arithmetic identity finance checks per currency: what was invoiced equals what was
 * collected plus what is still outstanding. It breaks when an invoice is over-collected (a
 * charge brought in more than its total), since outstanding never goes below zero.
 */
export interface CurrencyTotals {
  currency: string;
  invoicedMinor: number;
  collectedMinor: number;
  outstandingMinor: number;
}

export interface TotalsMismatch extends CurrencyTotals {
  differenceMinor: number;
}

export function totalsThatDoNotAddUp(totals: readonly CurrencyTotals[]): TotalsMismatch[] {
  return totals
    .map((t) => ({ ...t, differenceMinor: t.invoicedMinor - (t.collectedMinor + t.outstandingMinor) }))
    .filter((t) => t.differenceMinor !== 0);
}
