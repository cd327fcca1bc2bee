/** Conversions between PostgreSQL values (as pg returns them) and the domain's values. */

/** pg returns bigint as a string: a number only when it is a safe integer. */
export function toSafeInteger(value: string | number, column: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`${column} is not a safe integer: ${value}`);
  return n;
}

/** timestamptz → UTC ISO-8601 with Z (pg returns Date). */
export function toInstant(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function toInstantOrNull(value: Date | string | null): string | null {
  return value === null ? null : toInstant(value);
}
