import { Period, periodBounds, periodOf } from './billing-period';
import { LateUsageRecord, UsageRecord } from './rating';

export interface AccountUsage {
  /** Usage of the period itself, in the account's zone. */
  readonly usage: UsageRecord[];
  /** Usage of earlier periods that arrived after their invoice: billed on this one, on labelled lines. */
  readonly late: LateUsageRecord[];
}

/**
 * Which of an account's unbilled usage belongs to the period and which is late: a record belongs
 * to the period when it happened on or after the period's start in the account's zone (the
 * caller read only records before the period's end); an earlier one is late, labelled with its
 * own period.
 */
export function splitUsageByPeriod(period: Period, timeZone: string, records: readonly UsageRecord[]): AccountUsage {
  const start = Date.parse(periodBounds(period, timeZone).start);
  const split: AccountUsage = { usage: [], late: [] };
  for (const record of records) {
    if (Date.parse(record.occurredAt) >= start) split.usage.push(record);
    else split.late.push({ ...record, usagePeriod: periodOf(record.occurredAt, timeZone) });
  }
  return split;
}

/** The periods late usage belongs to: what the already invoiced quantities (caps) are read for. */
export function latePeriods(accounts: Iterable<AccountUsage>): Period[] {
  return [...new Set([...accounts].flatMap((a) => a.late.map((r) => r.usagePeriod)))];
}
