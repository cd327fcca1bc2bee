import type { ClientBase } from 'pg';
import { DataSource } from 'typeorm';
import { TOPICS } from '@billing/events';
import { uniqueName, waitFor } from '@billing/testing';
import {
  BatchConsumer,
  MessagingMaintenance,
  OutboxRelay,
  appendToOutbox,
  createLogger,
  pruneInboxBatch,
  pruneOutboxBatch,
  topicName,
  vacuumDueTables,
} from './index';
import { effectsConsumer, messagingTestBed, usageEvent } from '../test/fixtures';

const logger = createLogger('retention-test', 'silent');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('bounded outbox and inbox (real PostgreSQL and Kafka)', () => {
  const bed = messagingTestBed('retention');
  const { kafka, prefix } = bed;
  let dataSource: DataSource;
  const consumers: BatchConsumer[] = [];

  beforeAll(async () => {
    await bed.setUp();
    dataSource = bed.dataSource;
  });

  afterAll(async () => {
    for (const c of consumers) await c.stop();
    await bed.tearDown();
  });

  beforeEach(async () => {
    await dataSource.query('TRUNCATE effects, inbox, outbox');
  });

  /** Outbox rows with the given publication times (null: not yet published), created at the same time. */
  async function outboxRows(publishedAt: (string | null)[]): Promise<string[]> {
    const events = publishedAt.map((_, i) => usageEvent(`acct-${i}`, i));
    await dataSource.transaction((manager) => appendToOutbox(manager, events));
    for (const [i, at] of publishedAt.entries()) {
      await dataSource.query(`UPDATE outbox SET created_at = $2, published_at = $3 WHERE event_id = $1`, [
        events[i].eventId,
        at ?? '2026-01-01T00:00:00Z',
        at,
      ]);
    }
    return events.map((e) => e.eventId);
  }

  const outboxIds = async () => ((await dataSource.query('SELECT event_id FROM outbox')) as { event_id: string }[]).map((r) => r.event_id).sort();

  it('prunes published outbox rows older than the retention, keeps newer ones, and never an unpublished row however old', async () => {
    const [old1, old2, recent, unpublished] = await outboxRows([
      '2026-11-01T00:00:00Z',
      '2026-11-30T11:59:00Z',
      '2026-11-30T12:01:00Z',
      null, // created 2026-01-01: older than anything, never published
    ]);

    const deleted = await pruneOutboxBatch(dataSource, new Date('2026-11-30T12:00:00Z'), 1000);

    expect(deleted).toBe(2);
    expect(await outboxIds()).toEqual([recent, unpublished].sort());
    expect(await outboxIds()).not.toContain(old1);
    expect(await outboxIds()).not.toContain(old2);
  });

  it('prunes in batches no larger than the batch size', async () => {
    await outboxRows(Array.from({ length: 7 }, () => '2026-11-01T00:00:00Z'));
    const before = new Date('2026-11-30T00:00:00Z');

    expect(await pruneOutboxBatch(dataSource, before, 3)).toBe(3);
    expect(await outboxIds()).toHaveLength(4);
    expect(await pruneOutboxBatch(dataSource, before, 3)).toBe(3);
    expect(await pruneOutboxBatch(dataSource, before, 3)).toBe(1);
    expect(await pruneOutboxBatch(dataSource, before, 3)).toBe(0);
  });

  it('prunes inbox ids handled before the retention, oldest first and in bounded batches, keeping newer ones', async () => {
    await dataSource.query(
      `INSERT INTO inbox (consumer, event_id, handled_at)
       SELECT 'c', gen_random_uuid(), timestamptz '2026-10-01T00:00:00Z' + make_interval(days => d) FROM generate_series(1, 5) AS d`,
    );
    await dataSource.query(`INSERT INTO inbox (consumer, event_id, handled_at) VALUES ('c', gen_random_uuid(), '2026-11-30T00:00:00Z')`);
    const before = new Date('2026-11-01T00:00:00Z');

    expect(await pruneInboxBatch(dataSource, before, 2)).toBe(2);
    const left = (await dataSource.query(`SELECT handled_at FROM inbox ORDER BY handled_at`)) as { handled_at: Date }[];
    expect(left.map((r) => r.handled_at.toISOString())).toEqual([
      '2026-10-04T00:00:00.000Z',
      '2026-10-05T00:00:00.000Z',
      '2026-10-06T00:00:00.000Z',
      '2026-11-30T00:00:00.000Z',
    ]);
    expect(await pruneInboxBatch(dataSource, before, 2)).toBe(2);
    expect(await pruneInboxBatch(dataSource, before, 2)).toBe(1);
    expect(await pruneInboxBatch(dataSource, before, 2)).toBe(0);
  });

  it('works off a backlog over rounds of bounded batches', async () => {
    await dataSource.query(
      `INSERT INTO inbox (consumer, event_id, handled_at) SELECT 'c', gen_random_uuid(), '2026-01-01T00:00:00Z' FROM generate_series(1, 25)`,
    );
    const maintenance = new MessagingMaintenance({
      dataSource,
      logger,
      outboxRetentionMs: HOUR,
      inboxRetentionMs: 30 * DAY,
      intervalMs: 1000,
      batchSize: 10,
      maxBatchesPerRound: 2,
      selfVacuum: false,
    });

    expect((await maintenance.runOnce()).inbox).toBe(20);
    expect((await maintenance.runOnce()).inbox).toBe(5);
    expect(await dataSource.query('SELECT 1 FROM inbox')).toHaveLength(0);
  });

  it('still drops an event redelivered within the inbox retention after a maintenance round, and forgets it only after', async () => {
    const event = usageEvent('acct-redelivered', 1);
    const consumer = new BatchConsumer(
      { ...effectsConsumer(), groupId: uniqueName('group') },
      { kafka, dataSource, producer: bed.producer, service: 'test', topicPrefix: prefix, logger, backoffMs: 20 },
    );
    await consumer.start();
    // stopped at the end of this test: left running, it consumed the later tests' published events
    // in this database, and its transactions kept the claim from marking dead index entries
    consumers.push(consumer);
    const deliver = () => bed.producer.send({ topic: topicName(prefix, TOPICS.usage), acks: -1, messages: [{ key: event.accountId, value: JSON.stringify(event) }] });
    const effects = async () => ((await dataSource.query(`SELECT seq FROM effects WHERE account_id = 'acct-redelivered'`)) as unknown[]).length;

    await deliver();
    await waitFor(async () => (await effects()) === 1, { what: 'the first delivery handled' });
    const retention = 7 * DAY;
    /** Ages the inbox ids on the database's clock, the one the maintenance measures with. */
    const age = (ms: number) => dataSource.query(`UPDATE inbox SET handled_at = handled_at - make_interval(secs => $1)`, [ms / 1000]);
    await age(retention - HOUR); // an hour short of the retention
    const maintenance = new MessagingMaintenance({
      dataSource,
      logger,
      outboxRetentionMs: HOUR,
      inboxRetentionMs: retention,
      intervalMs: 1000,
      batchSize: 1000,
      selfVacuum: false,
    });
    expect((await maintenance.runOnce()).inbox).toBe(0);

    await deliver();
    const marker = usageEvent('acct-redelivered', 2);
    await bed.producer.send({ topic: topicName(prefix, TOPICS.usage), acks: -1, messages: [{ key: marker.accountId, value: JSON.stringify(marker) }] });
    await waitFor(async () => (await effects()) === 2, { what: 'the marker after the redelivery' });
    expect(await dataSource.query(`SELECT seq FROM effects WHERE account_id = 'acct-redelivered' ORDER BY id`)).toEqual([{ seq: '1' }, { seq: '2' }]);

    await age(2 * HOUR); // the first id past the retention; the marker's an hour short of it
    expect((await maintenance.runOnce()).inbox).toBe(1);
    await consumer.stop();
  });

  it('vacuums a table whose dead rows passed autovacuum\'s threshold, as autovacuum would have', async () => {
    await dataSource.query(`INSERT INTO effects (event_id, account_id, seq) SELECT gen_random_uuid(), 'acct-dead', n FROM generate_series(1, 1000) AS n`);
    await dataSource.query(`DELETE FROM effects WHERE seq <= 600`); // 600 dead > 50 + 20 % of 400 live
    const deadRows = async () => {
      await dataSource.query('SELECT pg_stat_clear_snapshot()');
      const [row] = await dataSource.query(`SELECT n_dead_tup::int AS dead FROM pg_stat_user_tables WHERE relname = 'effects'`);
      return row.dead as number;
    };
    await waitFor(async () => (await deadRows()) >= 600, { what: 'the server to count the dead rows' });

    expect(await vacuumDueTables(dataSource)).toContainEqual({ table: 'effects', action: 'vacuum' });
    await waitFor(async () => (await deadRows()) === 0, { what: 'the dead rows to be vacuumed' });
  });

  describe('claims stay cheap without autovacuum', () => {
    /** Buffers the relay's claim query reads right now (nothing left to publish). */
    async function claimBuffers(): Promise<number> {
      const [{ 'QUERY PLAN': plan }] = await dataSource.query(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT id, topic, partition_key, envelope FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 1000`,
      );
      return plan[0].Plan['Shared Hit Blocks'] + plan[0].Plan['Shared Read Blocks'];
    }

    async function publishAll(relay: OutboxRelay, events: number) {
      for (let i = 0; i < events; i += 500) {
        await dataSource.transaction((manager) => appendToOutbox(manager, Array.from({ length: 500 }, (_, j) => usageEvent(`acct-${j % 50}`, i + j))));
      }
      while ((await relay.publishBatch()) > 0) await relay.vacuumIfDue();
      await relay.vacuumIfDue();
    }

    const deadOutboxRows = async () => {
      await dataSource.query('SELECT pg_stat_clear_snapshot()');
      const [row] = await dataSource.query(`SELECT n_dead_tup::int AS dead FROM pg_stat_user_tables WHERE relname = 'outbox'`);
      return row.dead as number;
    };

    it('leaves no dead row behind for the claim to wade through, because the relay vacuums its outbox', async () => {
      await publishAll(new OutboxRelay({ dataSource, producer: bed.producer, topicPrefix: prefix, logger, batchSize: 500, vacuumEveryRows: 1000, vacuumIdleMs: 0 }), 2000);
      // counted in the table itself (pgstattuple), not in the server's statistics, which other
      // backends update up to seconds later
      await dataSource.query('CREATE EXTENSION IF NOT EXISTS pgstattuple');
      const [{ dead }] = await dataSource.query(`SELECT dead_tuple_count::int AS dead FROM pgstattuple('outbox')`);
      expect(dead).toBeLessThan(50); // of 2,000 rows marked (a few may still be visible to a snapshot when VACUUM runs)
      expect(await claimBuffers()).toBeLessThan(10);
    });

    it('vacuums in proportion to the outbox (a fifth of its rows), not every few thousand rows, and claims stay cheap', async () => {
      const relay = new OutboxRelay({ dataSource, producer: bed.producer, topicPrefix: prefix, logger, batchSize: 500, vacuumEveryRows: 1000, vacuumIdleMs: 0 });
      const query = jest.spyOn(dataSource, 'query');
      try {
        await publishAll(relay, 10_000);
        const vacuums = query.mock.calls.filter(([sql]) => String(sql).startsWith('VACUUM')).length;
        // 10,000+ rows in the outbox: the first batch, then every ~2,000 marked (a fixed 1,000, or
        // every idle moment as before, would be 10 to 20 vacuums, each reading the whole outbox)
        expect(vacuums).toBeGreaterThanOrEqual(3);
        expect(vacuums).toBeLessThanOrEqual(7);
      } finally {
        query.mockRestore();
      }
      await claimBuffers(); // the first claim past the rows marked since the last VACUUM marks their entries dead
      expect(await claimBuffers()).toBeLessThan(10);
    });

    it('analyses the claim columns only, from a sample of 3,000 rows, not the whole outbox, and the claim keeps its index', async () => {
      // 12,000 published rows with envelopes of ~1 kB, as a close leaves behind (no Kafka needed)
      await dataSource.query(
        `INSERT INTO outbox (event_id, topic, partition_key, event_type, envelope, published_at)
         SELECT gen_random_uuid(), 'billing.usage', 'acct-' || n % 50, 'UsageRecorded', jsonb_build_object('pad', repeat('x', 1000)), now()
         FROM generate_series(1, 12000) AS n`,
      );
      const runner = dataSource.createQueryRunner();
      /** The sample size ANALYZE VERBOSE reports for `sql`. */
      const sampled = async (sql: string) => {
        const notices: string[] = [];
        const client = (await runner.connect()) as ClientBase;
        const listener = (notice: { message?: string }) => notices.push(notice.message ?? '');
        client.on('notice', listener);
        try {
          await runner.query(sql);
        } finally {
          client.off('notice', listener);
        }
        const sample = notices.map((n) => /(\d+) rows in sample/.exec(n)).find((m) => m !== null);
        expect(sample).toBeDefined();
        return Number(sample![1]);
      };
      try {
        // the default statistics target samples 30,000: every row here
        expect(await sampled('ANALYZE VERBOSE outbox (id, published_at)')).toBeLessThanOrEqual(3_000); // the relay, idle
        expect(await sampled('VACUUM (ANALYZE, VERBOSE) outbox')).toBeLessThanOrEqual(3_000); // the relay's VACUUM, and autovacuum
      } finally {
        await runner.release();
      }
      const analysed = await dataSource.query(`SELECT attname FROM pg_stats WHERE tablename = 'outbox' ORDER BY attname`);
      expect(analysed.map((r: { attname: string }) => r.attname)).toEqual(['id', 'published_at']); // no envelope read for statistics
      expect(await claimBuffers()).toBeLessThan(10);
    });

    it('analyses the outbox when it goes idle only while its statistics may be from a burst, and claims stay cheap', async () => {
      // a large outbox of published rows (a fifth of it is more than the bursts below, so no VACUUM falls due)
      await dataSource.query(
        `INSERT INTO outbox (event_id, topic, partition_key, event_type, envelope, published_at)
         SELECT gen_random_uuid(), 'billing.usage', 'acct-' || n % 50, 'UsageRecorded', '{}'::jsonb, now() FROM generate_series(1, 10000) AS n`,
      );
      const relay = new OutboxRelay({ dataSource, producer: bed.producer, topicPrefix: prefix, logger, batchSize: 500, vacuumEveryRows: 1000, vacuumIdleMs: 0 });
      const query = jest.spyOn(dataSource, 'query');
      const statements = (verb: string) => query.mock.calls.filter(([sql]) => String(sql).startsWith(verb)).length;
      let sent = 0;
      /** 100 events appended, published, then the relay idles. */
      const burst = async () => {
        await dataSource.transaction((manager) => appendToOutbox(manager, Array.from({ length: 100 }, (_, j) => usageEvent(`acct-${j % 50}`, sent++))));
        while ((await relay.publishBatch()) > 0);
        await relay.vacuumIfDue();
      };
      try {
        await burst(); // the first round vacuums and analyses (VACUUM ANALYZE) with the burst's rows just marked
        expect([statements('VACUUM'), statements('ANALYZE')]).toEqual([1, 0]);
        await burst(); // statistics from a VACUUM: analysed once idle
        expect(statements('ANALYZE')).toBe(1);
        await burst(); // statistics taken idle: not again
        await burst();
        expect(statements('ANALYZE')).toBe(1);
        await dataSource.query('ANALYZE outbox'); // another instance, or autovacuum, analyses in the middle of a burst
        await burst();
        expect(statements('ANALYZE')).toBe(3); // that one and the relay's own
        expect(statements('VACUUM')).toBe(1);
      } finally {
        query.mockRestore();
      }
      await claimBuffers(); // the first claim after the marks skips their dead entries from then on
      expect(await claimBuffers()).toBeLessThan(10);
    });

    it('without those VACUUMs every published row leaves a dead version behind', async () => {
      await publishAll(new OutboxRelay({ dataSource, producer: bed.producer, topicPrefix: prefix, logger, batchSize: 500, vacuumEveryRows: 0 }), 2000);
      await waitFor(async () => (await deadOutboxRows()) >= 2000, { what: 'the server to count 2,000 dead outbox rows' });
    });
  });
});
