/**
 * PostgreSQL values as pg returns them, converted to the domain's: the one place for it in every
 * service (bigint and numeric arrive as strings, timestamptz as Date).
 */

/** A bigint, numeric or count(*) as a number, refusing any value a JavaScript number cannot hold exactly. */
export function toSafeInteger(value: string | number | null, what: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} is not a safe integer: ${value}`);
  return n;
}

/** A timestamptz as a UTC ISO-8601 instant with Z. */
export function toUtcIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** The same, with null (or a missing value) kept as null; takes a field of an untyped row as it is. */
export function toUtcIsoOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return toUtcIso(value instanceof Date ? value : String(value));
}
