import { DateTime } from 'luxon';

/**
 * UTC instants as ISO-8601 strings (…Z), compared and shifted in whole milliseconds.
 * Domain code never reads a clock: every "now" arrives as an argument.
 * An unparsable instant is a bug (payloads are validated at the edge), so it throws.
 */

export function instantToMillis(instant: string): number {
  const parsed = DateTime.fromISO(instant, { zone: 'utc' });
  if (!parsed.isValid) throw new Error(`not an ISO-8601 instant: ${instant}`);
  return parsed.toMillis();
}

export function millisToInstant(ms: number): string {
  const iso = DateTime.fromMillis(ms, { zone: 'utc' }).toISO();
  if (iso === null) throw new Error(`not a representable instant: ${ms}`);
  return iso;
}

export function addMillis(instant: string, ms: number): string {
  return millisToInstant(instantToMillis(instant) + ms);
}

/** True when `a` is the same instant as `b` or earlier. */
export function isAtOrBefore(a: string, b: string): boolean {
  return instantToMillis(a) <= instantToMillis(b);
}

export function earliest(a: string, b: string): string {
  return isAtOrBefore(a, b) ? a : b;
}
