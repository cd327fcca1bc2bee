import { DateTime } from 'luxon';
import {
  isEligibleForMonthClose,
  monthEndedAt,
  nextPeriod,
  periodBounds,
  periodLabel,
  periodOf,
  previousPeriod,
} from './billing-period';

const hoursBetween = (start: string, end: string): number =>
  DateTime.fromISO(end).diff(DateTime.fromISO(start), 'hours').hours;

describe('billing period: a calendar month in the account time zone', () => {
  it('bounds November 2026 in Los Angeles from PDT midnight to PST midnight', () => {
    // given an account in Los Angeles (DST ends on 2026-11-01)
    // when the bounds of November 2026 are computed
    const bounds = periodBounds('2026-11', 'America/Los_Angeles');
    // then the month starts at 00:00 PDT (UTC-7) and ends at 00:00 PST (UTC-8) on December 1st
    expect(bounds).toEqual({ start: '2026-11-01T07:00:00.000Z', end: '2026-12-01T08:00:00.000Z' });
  });

  it('bounds November 2026 in Tokyo at 15:00 UTC of the previous day', () => {
    expect(periodBounds('2026-11', 'Asia/Tokyo')).toEqual({
      start: '2026-10-31T15:00:00.000Z',
      end: '2026-11-30T15:00:00.000Z',
    });
  });

  it('bounds November 2026 in Budapest at 23:00 UTC of the previous day (CET)', () => {
    expect(periodBounds('2026-11', 'Europe/Budapest')).toEqual({
      start: '2026-10-31T23:00:00.000Z',
      end: '2026-11-30T23:00:00.000Z',
    });
  });

  it('wraps December into January of the next year', () => {
    expect(periodBounds('2026-12', 'UTC')).toEqual({ start: '2026-12-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' });
    expect(nextPeriod('2026-12')).toBe('2027-01');
    expect(previousPeriod('2027-01')).toBe('2026-12');
    expect(nextPeriod('2026-09')).toBe('2026-10');
    expect(previousPeriod('2026-10')).toBe('2026-09');
  });

  it('puts usage at 23:30 on November 30th in Los Angeles into November, though it is December in UTC', () => {
    // given usage at 2026-11-30T23:30 Los Angeles time, which is 2026-12-01T07:30Z
    const occurredAt = '2026-12-01T07:30:00.000Z';
    // when its period is taken in each account's zone
    // then it is November for the Los Angeles account, December in Tokyo and UTC
    expect(periodOf(occurredAt, 'America/Los_Angeles')).toBe('2026-11');
    expect(periodOf(occurredAt, 'Asia/Tokyo')).toBe('2026-12');
    expect(periodOf(occurredAt, 'UTC')).toBe('2026-12');
  });

  it('treats the end of a period as exclusive and its start as inclusive', () => {
    const { start, end } = periodBounds('2026-11', 'America/Los_Angeles');
    expect(periodOf(start, 'America/Los_Angeles')).toBe('2026-11');
    expect(periodOf(end, 'America/Los_Angeles')).toBe('2026-12');
    expect(periodOf('2026-12-01T07:59:59.999Z', 'America/Los_Angeles')).toBe('2026-11');
  });

  it('gives a month with a 23-hour day 743 hours in Los Angeles (DST starts 2026-03-08)', () => {
    const { start, end } = periodBounds('2026-03', 'America/Los_Angeles');
    expect(start).toBe('2026-03-01T08:00:00.000Z');
    expect(end).toBe('2026-04-01T07:00:00.000Z');
    expect(hoursBetween(start, end)).toBe(31 * 24 - 1);
  });

  it('gives a month with a 25-hour day 745 hours in Budapest (DST ends 2026-10-25)', () => {
    const { start, end } = periodBounds('2026-10', 'Europe/Budapest');
    expect(start).toBe('2026-09-30T22:00:00.000Z');
    expect(end).toBe('2026-10-31T23:00:00.000Z');
    expect(hoursBetween(start, end)).toBe(31 * 24 + 1);
  });

  it('labels a period in words for invoice lines', () => {
    expect(periodLabel('2026-11')).toBe('November 2026');
    expect(periodLabel('2027-01')).toBe('January 2027');
  });

  it('refuses a malformed period or an unknown zone as a bug', () => {
    expect(() => periodBounds('2026-13', 'UTC')).toThrow(RangeError);
    expect(() => periodBounds('2026-11', 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('month-close eligibility: period end in the account zone plus grace', () => {
  const requestedAt = '2026-12-01T00:00:00.000Z';
  const graceMinutes = 60;

  it('lets a Tokyo account close at once when the close is requested at 2026-12-01T00:00Z', () => {
    // given a Tokyo account whose November ended at 2026-11-30T15:00Z
    // when the month close is requested at midnight UTC on December 1st
    // then it became eligible at 16:00Z the day before
    expect(monthEndedAt('2026-11', 'Asia/Tokyo', graceMinutes)).toBe('2026-11-30T16:00:00.000Z');
    expect(isEligibleForMonthClose('2026-11', 'Asia/Tokyo', graceMinutes, requestedAt)).toBe(true);
  });

  it('lets a Budapest account close exactly at 2026-12-01T00:00Z', () => {
    expect(monthEndedAt('2026-11', 'Europe/Budapest', graceMinutes)).toBe('2026-12-01T00:00:00.000Z');
    expect(isEligibleForMonthClose('2026-11', 'Europe/Budapest', graceMinutes, requestedAt)).toBe(true);
    expect(isEligibleForMonthClose('2026-11', 'Europe/Budapest', graceMinutes, '2026-11-30T23:59:59.999Z')).toBe(false);
  });

  it('makes a Los Angeles account wait until 2026-12-01T09:00Z', () => {
    expect(monthEndedAt('2026-11', 'America/Los_Angeles', graceMinutes)).toBe('2026-12-01T09:00:00.000Z');
    expect(isEligibleForMonthClose('2026-11', 'America/Los_Angeles', graceMinutes, requestedAt)).toBe(false);
    expect(isEligibleForMonthClose('2026-11', 'America/Los_Angeles', graceMinutes, '2026-12-01T09:00:00.000Z')).toBe(
      true,
    );
  });
});
