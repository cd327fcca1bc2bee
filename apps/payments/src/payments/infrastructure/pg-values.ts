/** Conversions of values as pg returns them. */

/** pg returns bigint as a string: convert only exactly representable values. */
export function toSafeInteger(value: string | number | null, what: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} is not a safe integer: ${value}`);
  return n;
}

export const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();
