import { toSafeInteger } from '@billing/messaging';

/**
 * An amount or count of a report (bigint, numeric, count(*)): as libs/messaging's toSafeInteger,
 * except that an empty aggregate (null) is 0.
 */
export function toSafeNumber(value: unknown, what = 'amount'): number {
  if (value === null || value === undefined) return 0;
  return toSafeInteger(value as string | number, what);
}

export function toNullableNumber(value: unknown, what = 'amount'): number | null {
  return value === null || value === undefined ? null : toSafeNumber(value, what);
}

/**
 * Days past due at `cutoff` ($n, timestamptz): 0 while due_at >= cutoff, else whole or part
 * days rounded up (the rule documented in domain/aging.ts).
 */
export function daysPastDueSql(dueAt: string, cutoff: string): string {
  return `(CASE WHEN ${dueAt} >= ${cutoff} THEN 0 ELSE ceil(extract(epoch FROM (${cutoff} - ${dueAt})) / 86400)::int END)`;
}
