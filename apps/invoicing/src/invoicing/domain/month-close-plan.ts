import { Period, isEligibleForMonthClose, monthEndedAt } from './billing-period';

/**
 * Which accounts a month-close run may invoice now. A run for period P invoices an account only
 * once P has ended in the account's zone plus the grace period; the others wait, and the run
 * comes back for them at the earliest `eligibleAt` among the waiting zones.
 */
export interface ZoneCount {
  readonly timeZone: string;
  /** Active accounts in the zone that have no invoice for the period yet. */
  readonly count: number;
}

export interface RemainingSummary {
  /** Zones whose accounts may be invoiced now. */
  readonly eligibleZones: string[];
  readonly remaining: number;
  /** Remaining accounts that may be invoiced now. */
  readonly eligibleRemaining: number;
  /** Remaining accounts whose month has not ended (plus grace) yet. */
  readonly waiting: number;
  /** When the next waiting zone becomes eligible; null when nothing waits. */
  readonly waitingUntil: string | null;
}

export function eligibleZones(period: Period, zones: readonly string[], graceMinutes: number, now: string): string[] {
  return zones.filter((zone) => isEligibleForMonthClose(period, zone, graceMinutes, now));
}

export function summarizeRemaining(period: Period, counts: readonly ZoneCount[], graceMinutes: number, now: string): RemainingSummary {
  let remaining = 0;
  let eligibleRemaining = 0;
  let waiting = 0;
  let waitingUntil: string | null = null;
  const eligible: string[] = [];
  for (const { timeZone, count } of counts) {
    remaining += count;
    if (isEligibleForMonthClose(period, timeZone, graceMinutes, now)) {
      eligible.push(timeZone);
      eligibleRemaining += count;
      continue;
    }
    waiting += count;
    const at = monthEndedAt(period, timeZone, graceMinutes);
    if (count > 0 && (waitingUntil === null || Date.parse(at) < Date.parse(waitingUntil))) waitingUntil = at;
  }
  return { eligibleZones: eligible, remaining, eligibleRemaining, waiting, waitingUntil };
}

/**
 * The period the scheduler closes at `now`: the month that has just ended in the zone furthest
 * ahead (UTC+14). Requesting it then is safe because each account is invoiced only once the
 * month has ended in its own zone (plus grace).
 */
export const EARLIEST_ZONE = 'Pacific/Kiritimati';
