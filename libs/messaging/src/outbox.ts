import { Producer } from 'kafkajs';
import { DataSource, EntityManager } from 'typeorm';
import { BillingEvent, Envelope, contractFor, parseEvent } from '@billing/events';
import { Logger } from './logger';
import { topicName } from './kafka';
import { Metrics } from './metrics';
import { SERIAL_VACUUM } from './maintenance';
import { PollLoop } from './poll-loop';

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
  /**
   * VACUUM the outbox after this many rows were marked published, or a fifth of the outbox if
   * that is more (0: never), and once the relay has been idle for `vacuumIdleMs` with a fifth
   * marked since the last one. See `vacuumIfDue`.
   */
  vacuumEveryRows?: number;
  vacuumIdleMs?: number;
  /** Test hook, called after Kafka acknowledged a batch and before the rows are marked. */
  afterPublish?: (count: number) => Promise<void>;
}

/** Share of the outbox's rows marked published that makes the relay vacuum it again (autovacuum's default scale factor). */
const VACUUM_SCALE = 0.2;

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
  private readonly loop: PollLoop;
  /** Rows this relay marked published since its last VACUUM of the outbox. */
  private markedSinceVacuum = 0;
  private lastPublishAt = 0;
  private vacuumedOnce = false;
  /** The outbox's rows as of the last VACUUM: the relay vacuums again once it marked a fifth of them. */
  private outboxRows = 0;
  /** Whether the outbox was analysed since the relay last marked rows. */
  private analyzedSinceMark = false;
  /**
   * How many times the outbox had been analysed (by anyone) right after this relay's last idle
   * ANALYZE; null before the first. While it is unchanged, the statistics are still the ones taken
   * idle, when no row was waiting, and another ANALYZE would only say so again.
   */
  private analyzesAfterIdleAnalyze: number | null = null;
  /** Whether the relay's last claim found nothing waiting. */
  private drained = false;

  constructor(private readonly options: OutboxRelayOptions) {
    this.loop = new PollLoop({
      tick: async () => (await this.publishBatch()) > 0 || (await this.vacuumIfDue()),
      intervalMs: options.pollMs ?? 50,
      logger: options.logger,
      failureMessage: 'outbox relay failed to publish; will retry',
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Nudges the relay to publish now instead of at the next poll. */
  notify(): void {
    this.loop.notify();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Publishes one batch; returns how many events it published. */
  async publishBatch(): Promise<number> {
    const { dataSource, producer, topicPrefix, lockId = 7_730_001, batchSize = 1000, afterPublish, metrics } = this.options;
    const published = await dataSource.transaction(async (manager) => {
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
    this.drained = published === 0;
    if (published > 0) {
      this.markedSinceVacuum += published;
      this.analyzedSinceMark = false;
      this.lastPublishAt = performance.now();
    }
    return published;
  }

  /**
   * Marking a row published leaves its old version behind, and the claim index
   * (`outbox_unpublished`) keeps pointing at it until a VACUUM. Without one, and without planner
   * statistics (never analysed: a bitmap scan, which never marks index entries dead), every claim —
   * and every idle poll, twenty a second — visits every row ever published: 641 heap pages per
   * poll after a 2,000-account close, growing with the outbox, so PostgreSQL's work grew with the
   * square of the accounts. So the relay vacuums and analyses its own table: after its first batch
   * (statistics turn the claim into an index scan that marks dead entries once it has seen them,
   * so later claims skip them), then once it has marked a fifth of the outbox's rows (at least
   * `vacuumEveryRows`), or has gone idle after marking a fifth; idle after marking fewer, it only
   * analyses the claim's columns. VACUUM takes no lock that blocks
   * inserts, claims or marks. Returns false (a VACUUM is no reason to poll again at once).
   *
   * Why a fifth and not a fixed count: a VACUUM reads the whole outbox and its indexes, and the
   * outbox holds a retention's worth of rows. Every 5,000 rows (before) a 20,000-account close
   * vacuumed invoicing's outbox 28 times at ~0.8 s each, the largest statement time of the close,
   * and at 100,000 accounts it would have been ~140 times at ~4 s: quadratic. In proportion to
   * the table (autovacuum's own scale factor), the vacuums of a close cost a constant multiple of
   * the rows it writes.
   */
  async vacuumIfDue(): Promise<false> {
    const { vacuumEveryRows = 5_000, vacuumIdleMs = 1_000, dataSource } = this.options;
    if (vacuumEveryRows === 0 || this.markedSinceVacuum === 0) return false;
    const idle = performance.now() - this.lastPublishAt >= vacuumIdleMs;
    const fifth = VACUUM_SCALE * this.outboxRows;
    const due = !this.vacuumedOnce || this.markedSinceVacuum >= Math.max(vacuumEveryRows, fifth) || (idle && this.markedSinceVacuum >= fifth);
    if (!due) {
      if (idle && !this.analyzedSinceMark) {
        // idle after marking fewer: statistics only, so the planner sees the unpublished rows are
        // gone and keeps claiming through `outbox_unpublished` (with statistics from the middle of
        // a burst it may walk the primary key instead, over every row). The claim's columns only:
        // sampling the envelopes would read them back from TOAST. Only when the statistics may
        // be from a burst: this relay's VACUUM ANALYZE, autovacuum's or another instance's
        // ANALYZE since its last idle one. Statistics taken idle stay right through any number of
        // bursts (the share of rows waiting stays ~0); analysing at every pause between the pages of
        // a 100,000-account close was 42 ANALYZEs of 0.1-0.5 s each. Taken with rows still waiting
        // (the last claim found some), they are not idle statistics and the next pause analyses again.
        this.analyzedSinceMark = true;
        if (this.analyzesAfterIdleAnalyze === null || (await this.analyzeCount()) !== this.analyzesAfterIdleAnalyze) {
          const drained = this.drained;
          await dataSource.query('ANALYZE outbox (id, published_at)');
          this.analyzesAfterIdleAnalyze = drained ? await this.analyzeCount() : null;
        }
      }
      return false;
    }
    this.vacuumedOnce = true;
    this.markedSinceVacuum = 0;
    // INDEX_CLEANUP ON: the dead entries of the claim index are what claims pay for, and the
    // default would skip index cleanup when few heap pages hold dead rows (a large, mostly old outbox).
    // PARALLEL 0: see SERIAL_VACUUM.
    await dataSource.query(`VACUUM (ANALYZE, INDEX_CLEANUP ON, ${SERIAL_VACUUM}) outbox`);
    // the row count VACUUM just estimated (pg_class.reltuples; -1 before any)
    const [{ rows }] = await dataSource.query(`SELECT greatest(reltuples, 0)::float8 AS rows FROM pg_class WHERE oid = 'outbox'::regclass`);
    this.outboxRows = Number(rows);
    return false;
  }

  /** How many times the outbox has been analysed, by ANALYZE or autovacuum (the server's own count). */
  private async analyzeCount(): Promise<number> {
    const [row] = await this.options.dataSource.query(
      `SELECT (analyze_count + autoanalyze_count)::int AS n FROM pg_stat_user_tables WHERE relid = 'outbox'::regclass`,
    );
    return row?.n ?? 0;
  }
}
