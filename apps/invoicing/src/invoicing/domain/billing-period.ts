import { DateTime } from 'luxon';
import { LRUCache } from 'lru-cache';

/**
 * A billing period is a calendar month, `YYYY-MM`, in the account's IANA time zone.
 * Its bounds are UTC instants, half-open: [start, end), where `end` is the start of the next
 * month in the same zone. DST months therefore have 743 or 745 hours, never a fixed 30 days.
 *
 * Inputs are assumed to have been validated at the edge (`fields.period`, `fields.ianaTimeZone`);
 * a malformed period or unknown zone here is a bug and throws a RangeError.
 */
export type Period = string;

export interface PeriodBounds {
  /** First instant of the month in the zone, UTC ISO-8601 with milliseconds and Z. */
  readonly start: string;
  /** First instant of the next month in the zone (exclusive end). */
  readonly end: string;
}

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

interface YearMonth {
  readonly year: number;
  readonly month: number;
}

export function isPeriod(value: string): boolean {
  return PERIOD.test(value);
}

function parsePeriod(period: Period): YearMonth {
  const match = PERIOD.exec(period);
  if (!match) throw new RangeError(`period must be YYYY-MM, got ${JSON.stringify(period)}`);
  return { year: Number(match[1]), month: Number(match[2]) };
}

function formatPeriod({ year, month }: YearMonth): Period {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

function toUtcIso(instant: DateTime): string {
  const iso = instant.toUTC().toISO({ suppressMilliseconds: false, includeOffset: true });
  if (iso === null) throw new RangeError(`invalid instant: ${instant.invalidExplanation ?? 'unknown'}`);
  return iso;
}

/**
 * Midnight of the first day of the month in `timeZone`. Where a zone skips midnight (a DST
 * change at 00:00), luxon moves forward across the gap, which is the first instant of that day.
 */
function monthStartIn({ year, month }: YearMonth, timeZone: string): DateTime {
  const start = DateTime.fromObject({ year, month, day: 1 }, { zone: timeZone });
  if (!start.isValid) throw new RangeError(`invalid time zone ${JSON.stringify(timeZone)}: ${start.invalidReason}`);
  return start;
}

function parseInstant(instant: string): DateTime {
  const parsed = DateTime.fromISO(instant, { setZone: true });
  if (!parsed.isValid) throw new RangeError(`invalid ISO-8601 instant: ${JSON.stringify(instant)}`);
  return parsed;
}

export function nextPeriod(period: Period): Period {
  const { year, month } = parsePeriod(period);
  return month === 12 ? formatPeriod({ year: year + 1, month: 1 }) : formatPeriod({ year, month: month + 1 });
}

export function previousPeriod(period: Period): Period {
  const { year, month } = parsePeriod(period);
  return month === 1 ? formatPeriod({ year: year - 1, month: 12 }) : formatPeriod({ year, month: month - 1 });
}

/** Orders periods chronologically (YYYY-MM compares correctly as a string, but say what we mean). */
export function comparePeriods(a: Period, b: Period): number {
  const x = parsePeriod(a);
  const y = parsePeriod(b);
  return x.year - y.year || x.month - y.month;
}

/**
 * Bounds already computed, by period and zone: a month close asks for the same few hundred
 * (period, zone) pairs once per account, and zone arithmetic is the costly part of rating.
 */
const knownBounds = new LRUCache<string, PeriodBounds, { period: Period; timeZone: string }>({
  max: 10_000,
  memoMethod: (_key, _stale, { context: { period, timeZone } }) => {
    const start = monthStartIn(parsePeriod(period), timeZone);
    const end = monthStartIn(parsePeriod(nextPeriod(period)), timeZone);
    return { start: toUtcIso(start), end: toUtcIso(end) };
  },
});

/** [start, end) of the calendar month `period` in `timeZone`, as UTC instants. */
export function periodBounds(period: Period, timeZone: string): PeriodBounds {
  return { ...knownBounds.memo(`${period}|${timeZone}`, { context: { period, timeZone } }) };
}

/** The period an instant belongs to for an account in `timeZone`. */
export function periodOf(instant: string, timeZone: string): Period {
  const local = parseInstant(instant).setZone(timeZone);
  if (!local.isValid) throw new RangeError(`invalid time zone ${JSON.stringify(timeZone)}: ${local.invalidReason}`);
  return formatPeriod({ year: local.year, month: local.month });
}

/**
 * The instant from which the month close of `period` may run for an account in `timeZone`:
 * the period's end in that zone plus `graceMinutes` (late-arriving usage settles meanwhile).
 */
export function monthEndedAt(period: Period, timeZone: string, graceMinutes: number): string {
  if (!Number.isSafeInteger(graceMinutes) || graceMinutes < 0) {
    throw new RangeError(`graceMinutes must be a non-negative integer, got ${graceMinutes}`);
  }
  const end = parseInstant(periodBounds(period, timeZone).end);
  return toUtcIso(end.plus({ minutes: graceMinutes }));
}

/** Whether an account in `timeZone` is eligible for the month close of `period` at `now`. */
export function isEligibleForMonthClose(period: Period, timeZone: string, graceMinutes: number, now: string): boolean {
  return parseInstant(now).toMillis() >= parseInstant(monthEndedAt(period, timeZone, graceMinutes)).toMillis();
}

const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;

/** "2026-11" -> "November 2026". English on purpose: invoice line text is data, rendering localises. */
export function periodLabel(period: Period): string {
  const { year, month } = parsePeriod(period);
  return `${MONTH_NAMES[month - 1]} ${year}`;
}
