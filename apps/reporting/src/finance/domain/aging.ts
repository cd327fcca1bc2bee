/**
 * Accounts-receivable aging. The rule (also in the API docs):
 * - the report is "as of" the END of the given UTC calendar day: cutoff = asOf + 1 day, 00:00:00Z;
 * - an invoice counts when it was issued before the cutoff, and what counts is its total less
 *   what succeeded charges collected before the cutoff;
 * - it is "current" while dueAt >= cutoff (not yet due at the end of the day);
 * - otherwise it is ceil((cutoff - dueAt) / 24h) days past due, so an invoice due at any
 *   instant of the asOf day is 1 day past due, and buckets are 1-30, 31-60, 61-90, over 90.
 * The database computes the days (see DAYS_PAST_DUE_SQL); this module puts them in buckets.
 */

export const DAY_MS = 24 * 60 * 60 * 1000;

export const AGING_BUCKETS = ['current', 'days1To30', 'days31To60', 'days61To90', 'over90'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

/** The exclusive end of a UTC calendar day `YYYY-MM-DD`. */
export function endOfUtcDay(date: string): string {
  const start = Date.parse(`${date}T00:00:00.000Z`);
  if (Number.isNaN(start)) throw new RangeError(`not a calendar date: ${date}`);
  return new Date(start + DAY_MS).toISOString();
}

export function agingBucket(days: number): AgingBucket {
  if (days <= 0) return 'current';
  if (days <= 30) return 'days1To30';
  if (days <= 60) return 'days31To60';
  if (days <= 90) return 'days61To90';
  return 'over90';
}

export interface OutstandingByDays {
  currency: string;
  daysPastDue: number;
  outstandingMinor: number;
  invoices: number;
}

export type AgingRow = { currency: string; totalMinor: number; invoices: number } & Record<AgingBucket, number>;

/** Sums outstanding amounts into the buckets, one row per currency (sorted by currency). */
export function ageReceivables(rows: readonly OutstandingByDays[]): AgingRow[] {
  const byCurrency = new Map<string, AgingRow>();
  for (const row of rows) {
    let aging = byCurrency.get(row.currency);
    if (!aging) {
      aging = { currency: row.currency, current: 0, days1To30: 0, days31To60: 0, days61To90: 0, over90: 0, totalMinor: 0, invoices: 0 };
      byCurrency.set(row.currency, aging);
    }
    aging[agingBucket(row.daysPastDue)] += row.outstandingMinor;
    aging.totalMinor += row.outstandingMinor;
    aging.invoices += row.invoices;
  }
  return [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}
