import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Admin, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { TOPICS } from '@billing/events';
import {
  DATABASE_SERVER_URL,
  KAFKA_BROKERS,
  readTopic,
  testKafka,
  uniqueName,
  uniquePrefix,
  waitFor,
} from '@billing/testing';
import {
  BatchConsumer,
  BatchConsumerOptions,
  ConsumerDefinition,
  createDataSource,
  OutboxRelay,
  PermanentError,
  TransientError,
  appendToOutbox,
  billingTopicConfigs,
  createLogger,
  dropDatabase,
  ensureTopics,
  openServiceDatabase,
  topicName,
} from './index';
import { EffectsTable1764300000001, effectsConsumer, usageEvent } from '../test/fixtures';

const logger = createLogger('messaging-test', 'silent');
const kafka = testKafka('messaging-test');

describe('messaging guarantees (real Kafka and PostgreSQL)', () => {
  const database = uniqueName('messaging');
  const prefix = uniquePrefix('messaging');
  const usageTopic = topicName(prefix, TOPICS.usage);
  let dataSource: DataSource;
  let admin: Admin;
  let producer: Producer;
  let relay: OutboxRelay;
  const consumers: BatchConsumer[] = [];

  beforeAll(async () => {
    dataSource = await openServiceDatabase({
      serverUrl: DATABASE_SERVER_URL,
      database,
      migrations: [EffectsTable1764300000001],
    });
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, billingTopicConfigs({ prefix, partitions: 3 }));
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    relay = new OutboxRelay({ dataSource, producer, topicPrefix: prefix, logger });
  });

  afterAll(async () => {
    for (const c of consumers) await c.stop();
    await producer.disconnect();
    await admin.deleteTopics({ topics: billingTopicConfigs({ prefix, partitions: 3 }).map((t) => t.topic) }).catch(() => undefined);
    await admin.disconnect();
    await dataSource.destroy();
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  beforeEach(async () => {
    await dataSource.query('TRUNCATE effects, inbox, outbox');
  });

  afterEach(async () => {
    for (const c of consumers.splice(0)) await c.stop();
  });

  async function startConsumer(definition: ConsumerDefinition, batchSize = 500, options: Partial<BatchConsumerOptions> = {}) {
    const consumer = new BatchConsumer(
      { ...definition, groupId: uniqueName('group') },
      { kafka, dataSource, producer, service: 'test', topicPrefix: prefix, logger, batchSize, backoffMs: 20, ...options },
    );
    await consumer.start();
    consumers.push(consumer);
    return consumer;
  }

  const effectsFor = async (accountId: string) =>
    (await dataSource.query('SELECT event_id, seq FROM effects WHERE account_id = $1 ORDER BY id', [accountId])) as {
      event_id: string;
      seq: string;
    }[];

  async function produceRaw(key: string, values: (string | null)[]) {
    await producer.send({ topic: usageTopic, acks: -1, messages: values.map((value) => ({ key, value })) });
  }

  it('publishes an event written with its state change exactly once, and marks it published', async () => {
    const event = usageEvent('acct-outbox', 1);
    await dataSource.transaction(async (manager) => {
      await manager.query(`INSERT INTO effects (event_id, account_id, seq) VALUES ($1, 'state-change', 1)`, [event.eventId]);
      await appendToOutbox(manager, [event]);
    });

    expect(await relay.publishBatch()).toBe(1);
    expect(await relay.publishBatch()).toBe(0);

    const messages = await readTopic(usageTopic, { until: (m) => m.some((x) => x.key === 'acct-outbox'), settleMs: 500 });
    const mine = messages.filter((m) => m.key === 'acct-outbox');
    expect(mine).toHaveLength(1);
    expect(JSON.parse(mine[0].value!)).toEqual(event);
    const [row] = await dataSource.query('SELECT published_at FROM outbox WHERE event_id = $1', [event.eventId]);
    expect(row.published_at).not.toBeNull();
  });

  it('publishes nothing for a transaction that rolled back', async () => {
    const event = usageEvent('acct-rollback', 1);
    await expect(
      dataSource.transaction(async (manager) => {
        await appendToOutbox(manager, [event]);
        throw new Error('business rule failed after the event was appended');
      }),
    ).rejects.toThrow('business rule failed');

    expect(await relay.publishBatch()).toBe(0);
    const [{ count }] = await dataSource.query('SELECT count(*)::int AS count FROM outbox');
    expect(count).toBe(0);
  });

  it('refuses to append an event that breaks its contract', async () => {
    const bad = usageEvent('acct-bad', 1, { payload: { usageId: 'x' } });
    await expect(dataSource.transaction((manager) => appendToOutbox(manager, [bad]))).rejects.toThrow(/payload\.sku/);
  });

  it('has its effect once when the relay is killed between publishing and marking', async () => {
    const event = usageEvent('acct-crash', 7);
    await dataSource.transaction((manager) => appendToOutbox(manager, [event]));

    const run = promisify(execFile)('node', ['-r', '@swc-node/register', path.join(__dirname, '../test/relay-crash.ts')], {
      cwd: path.join(__dirname, '../../..'),
      env: {
        ...process.env,
        DATABASE_URL: DATABASE_SERVER_URL,
        DATABASE_NAME: database,
        KAFKA_BROKERS: KAFKA_BROKERS.join(','),
        TOPIC_PREFIX: prefix,
      },
    });
    await expect(run).rejects.toMatchObject({ signal: 'SIGKILL' });
    const [row] = await dataSource.query('SELECT published_at FROM outbox WHERE event_id = $1', [event.eventId]);
    expect(row.published_at).toBeNull(); // published, but the mark never committed

    // The restarted relay publishes it again. PostgreSQL frees the killed relay's transaction (and
    // its advisory lock) only once it notices the dead connection, which under load takes a moment:
    // until then publishBatch skips (0), as a polling relay would, and the next poll publishes.
    await waitFor(async () => (await relay.publishBatch()) === 1, { what: 'the restarted relay to publish the row' });
    const copies = await readTopic(usageTopic, {
      until: (m) => m.filter((x) => x.key === 'acct-crash').length >= 2,
    });
    expect(copies.filter((m) => m.key === 'acct-crash')).toHaveLength(2);

    await startConsumer(effectsConsumer());
    await waitFor(async () => (await effectsFor('acct-crash')).length > 0, { what: 'the effect' });
    await new Promise((r) => setTimeout(r, 1000)); // the duplicate has been fetched by now
    expect(await effectsFor('acct-crash')).toEqual([{ event_id: event.eventId, seq: '7' }]);
  });

  it('has the effect of an event delivered twice once', async () => {
    const event = usageEvent('acct-twice', 3);
    await startConsumer(effectsConsumer());
    await produceRaw('acct-twice', [JSON.stringify(event)]);
    await waitFor(async () => (await effectsFor('acct-twice')).length === 1, { what: 'first delivery' });
    await produceRaw('acct-twice', [JSON.stringify(event)]);
    const marker = usageEvent('acct-twice', 4);
    await produceRaw('acct-twice', [JSON.stringify(marker)]);
    await waitFor(async () => (await effectsFor('acct-twice')).length === 2, { what: 'the marker after the duplicate' });
    expect((await effectsFor('acct-twice')).map((e) => e.seq)).toEqual(['3', '4']);
  });

  it('dead-letters a malformed message, an unknown type and a schema violation, and handles the next good message', async () => {
    await startConsumer(effectsConsumer());
    const good = usageEvent('acct-dlq', 42);
    await produceRaw('acct-dlq', [
      '{"this is": not json',
      JSON.stringify({ ...usageEvent('acct-dlq', 1), type: 'InvoiceTeleported' }),
      JSON.stringify(usageEvent('acct-dlq', 2, { payload: { usageId: 'u', sku: 's', resourceId: 'r', quantity: 'lots', occurredAt: 'yesterday' } })),
      JSON.stringify(good),
    ]);

    await waitFor(async () => (await effectsFor('acct-dlq')).length === 1, { what: 'the good message' });
    expect((await effectsFor('acct-dlq'))[0].event_id).toBe(good.eventId);

    const dead = (
      await readTopic(topicName(prefix, TOPICS.deadLetter), {
        until: (m) => m.filter((x) => x.key === 'acct-dlq').length >= 3,
      })
    ).filter((m) => m.key === 'acct-dlq');
    expect(dead.map((m) => m.headers['dlq-reason'])).toEqual(['invalid_json', 'unknown_type', 'schema_violation']);
    expect(dead[2].headers['dlq-detail']).toMatch(/payload\.quantity/);
    expect(dead[2].headers['dlq-detail']).toMatch(/payload\.occurredAt/);
    for (const m of dead) {
      expect(m.headers['dlq-source-topic']).toBe(usageTopic);
      expect(m.headers['dlq-source-partition']).toMatch(/^\d+$/);
      expect(m.headers['dlq-source-offset']).toMatch(/^\d+$/);
    }
  });

  it('skips, unparsed, a message stamped with a known type it does not handle, and still validates one stamped with a type it handles', async () => {
    await startConsumer(effectsConsumer());
    const good = usageEvent('acct-skip', 3);
    await producer.send({
      topic: usageTopic,
      acks: -1,
      messages: [
        // not even JSON: the consumers that handle InvoiceGenerated judge it, not this one
        { key: 'acct-skip', value: '{"not": json', headers: { 'event-type': 'InvoiceGenerated' } },
        // the same bytes claiming a type this consumer handles: validated and dead-lettered
        { key: 'acct-skip', value: '{"not": json', headers: { 'event-type': 'UsageRecorded' } },
        { key: 'acct-skip', value: JSON.stringify(good), headers: { 'event-type': 'UsageRecorded' } },
      ],
    });
    await waitFor(async () => (await effectsFor('acct-skip')).length === 1, { what: 'the good message' });
    const dead = (
      await readTopic(topicName(prefix, TOPICS.deadLetter), { until: (m) => m.some((x) => x.key === 'acct-skip'), settleMs: 1_000 })
    ).filter((m) => m.key === 'acct-skip');
    expect(dead.map((m) => m.headers['event-type'])).toEqual(['UsageRecorded']);
    expect(dead[0].headers['dlq-reason']).toBe('invalid_json');
  });

  it('keeps per-account order across batches and partitions', async () => {
    await startConsumer(effectsConsumer(), 40);
    const accounts = ['acct-o1', 'acct-o2', 'acct-o3', 'acct-o4', 'acct-o5'];
    const messages = [];
    for (let seq = 1; seq <= 60; seq++) {
      for (const account of accounts) messages.push({ key: account, value: JSON.stringify(usageEvent(account, seq)) });
    }
    await producer.send({ topic: usageTopic, acks: -1, messages });
    await waitFor(
      async () => {
        const [{ count }] = await dataSource.query('SELECT count(*)::int AS count FROM effects WHERE account_id = ANY($1)', [accounts]);
        return count === 300;
      },
      { what: '300 effects' },
    );
    for (const account of accounts) {
      expect((await effectsFor(account)).map((e) => Number(e.seq))).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    }
  });

  it('dead-letters only the event whose handler fails permanently and retries a transient failure', async () => {
    let transientFailures = 0;
    await startConsumer(
      effectsConsumer('failing', {
        failOn: (event) => {
          if (event.accountId !== 'acct-fail') return undefined;
          const seq = (event.payload as { quantity: string }).quantity;
          if (seq === '2') return new PermanentError('rule', 'seq 2 can never be handled');
          if (seq === '3' && transientFailures < 2) {
            transientFailures += 1;
            return new TransientError('database briefly unavailable');
          }
          return undefined;
        },
      }),
    );
    await produceRaw('acct-fail', [1, 2, 3, 4].map((seq) => JSON.stringify(usageEvent('acct-fail', seq))));

    await waitFor(async () => (await effectsFor('acct-fail')).length === 3, { what: 'three handled events' });
    expect((await effectsFor('acct-fail')).map((e) => e.seq)).toEqual(['1', '3', '4']);
    expect(transientFailures).toBe(2);
    const dead = (
      await readTopic(topicName(prefix, TOPICS.deadLetter), { until: (m) => m.some((x) => x.key === 'acct-fail') })
    ).filter((m) => m.key === 'acct-fail');
    expect(dead).toHaveLength(1);
    expect(dead[0].headers['dlq-reason']).toBe('handler_error');
    expect(dead[0].headers['dlq-detail']).toContain('seq 2 can never be handled');
  });

  it('dead-letters an event that keeps failing transiently once, after the redelivery budget, and handles the next one', async () => {
    const calls = new Map<string, number>();
    await startConsumer(
      effectsConsumer('poison', {
        failOn: (event) => {
          if (event.accountId !== 'acct-poison') return undefined;
          const seq = (event.payload as { quantity: string }).quantity;
          calls.set(seq, (calls.get(seq) ?? 0) + 1);
          return seq === '2' ? new TransientError('upstream timed out on this payload') : undefined;
        },
      }),
      500,
      { redeliveryBudget: 2, transientAttempts: 3 },
    );
    const events = [1, 2, 3].map((seq) => usageEvent('acct-poison', seq));
    await produceRaw('acct-poison', events.map((e) => JSON.stringify(e)));

    await waitFor(async () => (await effectsFor('acct-poison')).length === 2, { what: 'the events around the poison one' });
    expect((await effectsFor('acct-poison')).map((e) => e.seq)).toEqual(['1', '3']);
    const dead = (
      await readTopic(topicName(prefix, TOPICS.deadLetter), { until: (m) => m.some((x) => x.key === 'acct-poison'), settleMs: 1_000 })
    ).filter((m) => m.key === 'acct-poison');
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0].value!).eventId).toBe(events[1].eventId);
    expect(dead[0].headers['dlq-reason']).toBe('retries_exhausted');
    expect(dead[0].headers['dlq-detail']).toBe('failed 2 deliveries; last error: upstream timed out on this payload');
    // 2 deliveries of the batch and 1 of the event alone, 3 in-process attempts each: bounded.
    expect(calls.get('2')).toBe(9);
  });

  it('does not retry in-process a failure whose thrower already retried: one run per delivery, budget + 1 in all', async () => {
    let calls = 0;
    await startConsumer(
      effectsConsumer('retried', {
        failOn: (event) => {
          if (event.accountId !== 'acct-retried') return undefined;
          calls += 1;
          return new TransientError('provider timed out after the SDK retries', { retried: true });
        },
      }),
      500,
      { redeliveryBudget: 2, transientAttempts: 6 },
    );
    const event = usageEvent('acct-retried', 1);
    await produceRaw('acct-retried', [JSON.stringify(event), JSON.stringify(usageEvent('acct-retried-next', 2))]);

    const dead = (
      await readTopic(topicName(prefix, TOPICS.deadLetter), { until: (m) => m.some((x) => x.key === 'acct-retried'), settleMs: 1_000 })
    ).filter((m) => m.key === 'acct-retried');
    expect(dead.map((m) => m.headers['dlq-reason'])).toEqual(['retries_exhausted']);
    expect(calls).toBe(3); // 2 failed deliveries + the isolated run; never × transientAttempts
    await waitFor(async () => (await effectsFor('acct-retried-next')).length === 1, { what: 'the next event of the partition' });
  });

  it('dead-letters nothing while the database is unreachable, however long, and handles everything once it is back', async () => {
    // A TCP proxy in front of PostgreSQL stands for the database server: closing it is an outage
    // for this consumer only (the shared server keeps running).
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const upstream = net.connect(5432, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined).on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    const listen = (port = 0) => new Promise<number>((resolve) => proxy.listen(port, '127.0.0.1', () => resolve((proxy.address() as net.AddressInfo).port)));
    const port = await listen();
    const serverUrl = new URL(DATABASE_SERVER_URL);
    serverUrl.port = String(port);
    const proxied = createDataSource({ serverUrl: serverUrl.toString(), database });
    await proxied.initialize();
    (proxied.driver as unknown as { master: { options: Record<string, unknown> } }).master.options.connectionTimeoutMillis = 1_000;
    try {
      await startConsumer(effectsConsumer('outage'), 500, { dataSource: proxied, redeliveryBudget: 2, transientAttempts: 2 });
      const first = usageEvent('acct-outage', 1);
      await produceRaw('acct-outage', [JSON.stringify(first)]);
      await waitFor(async () => (await effectsFor('acct-outage')).length === 1, { what: 'the event before the outage' });

      // close() calls back once every connection has ended: cut them (pooled ones stay open for minutes)
      const closed = new Promise<void>((resolve) => proxy.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
      await produceRaw('acct-outage', [2, 3].map((seq) => JSON.stringify(usageEvent('acct-outage', seq))));
      await new Promise((r) => setTimeout(r, 8_000)); // several times the redelivery budget
      expect(await effectsFor('acct-outage')).toHaveLength(1);

      await listen(port);
      await waitFor(async () => (await effectsFor('acct-outage')).length === 3, { what: 'the events after the outage', timeoutMs: 60_000 });
      expect((await effectsFor('acct-outage')).map((e) => e.seq)).toEqual(['1', '2', '3']);
      const dead = await readTopic(topicName(prefix, TOPICS.deadLetter), { until: () => false, timeoutMs: 2_000 });
      expect(dead.filter((m) => m.key === 'acct-outage')).toEqual([]);
    } finally {
      for (const c of consumers.splice(0)) await c.stop();
      proxy.close();
      for (const s of sockets) s.destroy();
      await proxied.destroy().catch(() => undefined);
    }
  });
});
