/**
 * The one arithmetic identity finance checks per currency: what was invoiced, less what was
 * carried forward to a later invoice (a total below the provider minimum, billed again there),
 * equals what was collected (card and offline) plus what is still outstanding. It breaks when an
 * invoice is over-collected (more came in than its total, or a carried total was paid as well),
 * since outstanding never goes below zero.
 */
export interface CurrencyTotals {
  currency: string;
  invoicedMinor: number;
  carriedForwardMinor: number;
  collectedMinor: number;
  outstandingMinor: number;
}

export interface TotalsMismatch extends CurrencyTotals {
  differenceMinor: number;
}

export function totalsThatDoNotAddUp(totals: readonly CurrencyTotals[]): TotalsMismatch[] {
  return totals
    .map((t) => ({ ...t, differenceMinor: t.invoicedMinor - t.carriedForwardMinor - (t.collectedMinor + t.outstandingMinor) }))
    .filter((t) => t.differenceMinor !== 0);
}
