import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TOPICS } from '@billing/events';
import { ServiceRuntime, topicName } from '@billing/messaging';
import { countChargeBacklog } from '../../infrastructure/charge-attempt-store';
import { PROVIDER_PACE, PaceReport, ProviderPace } from '../provider-pace';
import { CHARGE_INVOICES_CONSUMER } from '../charge-invoices/charge-invoices.consumer';

export interface ChargeBacklog {
  /**
   * Charge requests still waiting: events on billing.invoices and billing.collections the
   * charge-invoices consumer group has not committed yet. The group commits a batch only once its
   * outcomes are recorded, so this includes the batch being charged; an upper bound (other events
   * on those topics, e.g. method changes and dunning events, count too).
   */
  chargesWaiting: number;
  /** Invoices received whose first attempt has no outcome yet (incl. the batch being charged). */
  invoicesAwaitingFirstOutcome: number;
  /** Attempts planned and not resolved (in the batch being charged, or waiting for the webhook). */
  pendingAttempts: number;
  /** The shared provider pace (null when unlimited or before the first call). */
  pace: PaceReport | null;
}

/** How far charging is behind: what the month close's progress shows while charges drain at the provider's pace. */
@Injectable()
export class ReportChargeBacklog {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runtime: ServiceRuntime,
    @Inject(PROVIDER_PACE) private readonly pace: ProviderPace | null,
  ) {}

  async execute(): Promise<ChargeBacklog> {
    const [counts, unreadEvents, pace] = await Promise.all([
      countChargeBacklog(this.dataSource.manager),
      this.unreadEvents(),
      this.pace?.current() ?? null,
    ]);
    return { chargesWaiting: unreadEvents, ...counts, pace };
  }

  private async unreadEvents(): Promise<number> {
    const prefix = this.runtime.config.TOPIC_PREFIX;
    const topics = [TOPICS.invoices, TOPICS.collections].map((t) => topicName(prefix, t));
    const groupId = `${prefix}payments.${CHARGE_INVOICES_CONSUMER}`;
    const committed = new Map<string, bigint>();
    for (const entry of await this.runtime.admin.fetchOffsets({ groupId, topics })) {
      for (const p of entry.partitions) committed.set(`${entry.topic}:${p.partition}`, BigInt(p.offset));
    }
    let unread = 0n;
    for (const topic of topics) {
      for (const p of await this.runtime.admin.fetchTopicOffsets(topic)) {
        const low = BigInt(p.low);
        const read = committed.get(`${topic}:${p.partition}`) ?? -1n;
        unread += BigInt(p.high) - (read < low ? low : read);
      }
    }
    return Number(unread);
  }
}
