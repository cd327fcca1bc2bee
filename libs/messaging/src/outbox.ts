import { Producer } from 'kafkajs';
import { DataSource, EntityManager } from 'typeorm';
import { BillingEvent, Envelope, contractFor, parseEvent } from '@billing/events';
import { Logger } from './logger';
import { topicName } from './kafka';
import { Metrics } from './metrics';

/**
 * Appends events to the outbox inside the caller's transaction: the state change and the
 * events it emits commit together or not at all. One bulk insert for many events.
 */
export async function appendToOutbox(manager: EntityManager, events: readonly Envelope[]): Promise<void> {
  if (events.length === 0) return;
  for (const event of events) {
    const parsed = parseEvent(event); // validate on produce as well as on consume
    if (!parsed.ok) throw new Error(`refusing to emit invalid ${event.type}: ${parsed.message}`);
  }
  await manager.query(
    `INSERT INTO outbox (event_id, topic, partition_key, event_type, envelope)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
    [
      events.map((e) => e.eventId),
      events.map((e) => contractFor(e.type as BillingEvent['type']).topic),
      events.map((e) => e.accountId),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e)),
    ],
  );
}

export interface OutboxRelayOptions {
  dataSource: DataSource;
  producer: Producer;
  topicPrefix: string;
  logger: Logger;
  metrics?: Metrics;
  /** Advisory lock id: one relay per database publishes at a time, which keeps per-key order. */
  lockId?: number;
  batchSize?: number;
  pollMs?: number;
  /** Test hook, called after Kafka acknowledged a batch and before the rows are marked. */
  afterPublish?: (count: number) => Promise<void>;
}

interface OutboxRow {
  id: string;
  topic: string;
  partition_key: string;
  envelope: Envelope;
}

/**
 * Publishes the outbox in id order with an idempotent producer (acks from all in-sync
 * replicas) and marks the rows published in the same transaction that locked them. A crash
 * between publish and mark republishes the batch; consumers drop the duplicates by eventId.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(private readonly options: OutboxRelayOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Nudges the relay to publish now instead of at the next poll. */
  notify(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { logger, pollMs = 50 } = this.options;
    let failures = 0;
    while (this.running) {
      try {
        const published = await this.publishBatch();
        failures = 0;
        if (published > 0) continue;
      } catch (error) {
        failures += 1;
        logger.warn({ err: error, failures }, 'outbox relay failed to publish; will retry');
      }
      const delay = failures === 0 ? pollMs : Math.min(5000, pollMs * 2 ** failures);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Publishes one batch; returns how many events it published. */
  async publishBatch(): Promise<number> {
    const { dataSource, producer, topicPrefix, lockId = 7_730_001, batchSize = 1000, afterPublish, metrics } = this.options;
    return dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [lockId]);
      if (!locked) return 0;
      const rows: OutboxRow[] = await manager.query(
        `SELECT id, topic, partition_key, envelope FROM outbox
         WHERE published_at IS NULL ORDER BY id LIMIT $1`,
        [batchSize],
      );
      if (rows.length === 0) return 0;
      const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
      for (const row of rows) {
        const topic = topicName(topicPrefix, row.topic);
        const messages = byTopic.get(topic) ?? [];
        messages.push({
          key: row.partition_key,
          value: JSON.stringify(row.envelope),
          headers: { 'event-type': row.envelope.type, 'event-id': row.envelope.eventId },
        });
        byTopic.set(topic, messages);
      }
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      if (afterPublish) await afterPublish(rows.length);
      await manager.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
      metrics?.outboxPublished.inc(rows.length);
      return rows.length;
    });
  }

  /** Removes rows published longer ago than `olderThanHours` (the topics keep the events). */
  async prune(olderThanHours = 24): Promise<number> {
    const result = await this.options.dataSource.query(
      `DELETE FROM outbox WHERE published_at < now() - make_interval(hours => $1)`,
      [olderThanHours],
    );
    return Array.isArray(result) ? Number(result[1] ?? 0) : 0;
  }
}
