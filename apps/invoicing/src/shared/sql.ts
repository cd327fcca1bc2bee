/** pg returns bigint and numeric columns as strings: convert only what is exactly representable. */
export function toSafeInteger(value: string | number | null, what: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} is not a safe integer: ${value}`);
  return n;
}

/** A timestamptz read back from pg, as a UTC ISO-8601 instant with Z. */
export function toUtcIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** The row count of an UPDATE/DELETE run through `manager.query` ([rows, count] for pg). */
export function affectedRows(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}

/** The RETURNING rows of an UPDATE/DELETE run through `manager.query` (pg gives [rows, count]). */
export function returnedRows<T>(result: unknown): T[] {
  return Array.isArray(result) && Array.isArray(result[0]) ? (result[0] as T[]) : [];
}
