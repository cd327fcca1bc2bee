/**
 * pg returns bigint, numeric and count(*) as strings: amounts are converted here, refusing any
 * value a JavaScript number cannot hold exactly.
 */
export function toSafeNumber(value: unknown, what = 'amount'): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} ${String(value)} is not a safe integer`);
  return n;
}

export function toNullableNumber(value: unknown, what = 'amount'): number | null {
  return value === null || value === undefined ? null : toSafeNumber(value, what);
}

/** A timestamptz as a UTC ISO-8601 string with Z (null stays null). */
export function toIso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

/**
 * Days past due at `cutoff` ($n, timestamptz): 0 while due_at >= cutoff, else whole or part
 * days rounded up (the rule documented in domain/aging.ts).
 */
export function daysPastDueSql(dueAt: string, cutoff: string): string {
  return `(CASE WHEN ${dueAt} >= ${cutoff} THEN 0 ELSE ceil(extract(epoch FROM (${cutoff} - ${dueAt})) / 86400)::int END)`;
}
