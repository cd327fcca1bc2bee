/**
 * Topic names (before the deployment's prefix; see `topicName` in @billing/messaging).
 * Every billing topic is partitioned by the envelope's `accountId`, so all events of one
 * account stay ordered. Run-level events (month close) use the run key `month-close:<period>`.
 * Billing topics keep their events forever: they are the ledger projections are rebuilt from.
 */
export const TOPICS = {
  monthClose: 'billing.month-close',
  invoices: 'billing.invoices',
  payments: 'billing.payments',
  collections: 'billing.collections',
  notifications: 'billing.notifications',
  usage: 'billing.usage',
  deadLetter: 'billing.dead-letter',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** Topics that are part of the ledger (retained forever, replayed by reporting). */
export const LEDGER_TOPICS: readonly TopicName[] = [
  TOPICS.monthClose,
  TOPICS.invoices,
  TOPICS.payments,
  TOPICS.collections,
  TOPICS.notifications,
  TOPICS.usage,
];

/** Partition key of run-level events, which belong to no single account. */
export function monthCloseKey(period: string): string {
  return `month-close:${period}`;
}
