import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Admin, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { TOPICS } from '@billing/events';
import { DATABASE_SERVER_URL, KAFKA_BROKERS, readTopic, testKafka, uniqueName, uniquePrefix, waitFor } from '@billing/testing';
import {
  BatchConsumer,
  DeadLetter,
  PermanentError,
  billingTopicConfigs,
  createLogger,
  deadLetterReplaysTopicConfig,
  dropDatabase,
  ensureTopics,
  listDeadLetters,
  openServiceDatabase,
  replayDeadLetter,
  topicName,
} from './index';
import { EffectsTable1764300000001, effectsConsumer, usageEvent } from '../test/fixtures';

const logger = createLogger('dead-letters-test', 'silent');
const kafka = testKafka('dead-letters-test');

describe('dead-letters CLI (real Kafka and PostgreSQL)', () => {
  const database = uniqueName('deadletters');
  const prefix = uniquePrefix('deadletters');
  let dataSource: DataSource;
  let admin: Admin;
  let producer: Producer;
  let consumer: BatchConsumer;
  let causeFixed = false;

  beforeAll(async () => {
    dataSource = await openServiceDatabase({ serverUrl: DATABASE_SERVER_URL, database, migrations: [EffectsTable1764300000001] });
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, billingTopicConfigs({ prefix, partitions: 2 }));
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    consumer = new BatchConsumer(
      {
        ...effectsConsumer('replayable', {
          failOn: (event) =>
            event.accountId === 'acct-replay' && (event.payload as { quantity: string }).quantity === '7' && !causeFixed
              ? new PermanentError('missing_price', 'no price for server-hour yet')
              : undefined,
        }),
        groupId: uniqueName('group'),
      },
      { kafka, dataSource, producer, service: 'test', topicPrefix: prefix, logger, backoffMs: 20 },
    );
    await consumer.start();
  });

  afterAll(async () => {
    await consumer.stop();
    await producer.disconnect();
    const topics = [...billingTopicConfigs({ prefix, partitions: 2 }), deadLetterReplaysTopicConfig(prefix)].map((t) => t.topic);
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    await dataSource.destroy();
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  const effectsFor = async (accountId: string) =>
    (await dataSource.query('SELECT event_id, seq FROM effects WHERE account_id = $1 ORDER BY id', [accountId])) as {
      event_id: string;
      seq: string;
    }[];

  const runCli = (args: string[], env: Record<string, string> = {}) =>
    promisify(execFile)('node', ['-r', '@swc-node/register', path.join(__dirname, '../../../scripts/dead-letters.ts'), ...args], {
      cwd: path.join(__dirname, '../../..'),
      env: { ...process.env, KAFKA_BROKERS: KAFKA_BROKERS.join(','), TOPIC_PREFIX: prefix, LOG_LEVEL: 'error', ...env },
    });

  it('lists a dead letter, replays it once its cause is fixed, and the event is handled exactly once even when replayed twice', async () => {
    const bad = usageEvent('acct-replay', 7);
    await producer.send({
      topic: topicName(prefix, TOPICS.usage),
      acks: -1,
      messages: [{ key: 'acct-replay', value: JSON.stringify(bad), headers: { traceparent: '00-trace-01' } }],
    });
    const store = { kafka, topicPrefix: prefix };
    const [letter] = await waitFor(async () => {
      const letters = await listDeadLetters(store);
      return letters.length > 0 && letters;
    }, { what: 'the dead letter' });
    expect(letter).toMatchObject<Partial<DeadLetter>>({
      reason: 'handler_error',
      detail: 'no price for server-hour yet',
      consumer: 'test.replayable',
      sourceTopic: topicName(prefix, TOPICS.usage),
      eventId: bad.eventId,
      eventType: 'UsageRecorded',
      replays: [],
    });
    expect(letter.id).toMatch(/^\d+:\d+$/);
    expect(await effectsFor('acct-replay')).toEqual([]);

    // The real CLI prints it.
    const listed = await runCli(['list']);
    expect(listed.stdout).toContain(`${letter.id}  ${letter.failedAt}  handler_error  test.replayable`);
    expect(listed.stdout).toContain(`UsageRecorded ${bad.eventId}  not replayed`);
    expect(listed.stdout).toContain('no price for server-hour yet');
    expect(listed.stdout).toContain('1 dead letter(s)');

    causeFixed = true;
    const now = new Date('2026-12-01T15:00:00.000Z');
    const replayed = await replayDeadLetter({ ...store, producer }, letter.id, { now });
    expect(replayed.kind).toBe('replayed');
    await waitFor(async () => (await effectsFor('acct-replay')).length === 1, { what: 'the replayed event handled' });
    expect(await effectsFor('acct-replay')).toEqual([{ event_id: bad.eventId, seq: '7' }]);

    // A second replay is refused without --force; forced, the inbox drops the redelivery.
    expect((await replayDeadLetter({ ...store, producer }, letter.id, { now })).kind).toBe('already_replayed');
    expect((await replayDeadLetter({ ...store, producer }, letter.id, { now, force: true })).kind).toBe('replayed');
    const marker = usageEvent('acct-replay', 8);
    await producer.send({ topic: topicName(prefix, TOPICS.usage), acks: -1, messages: [{ key: 'acct-replay', value: JSON.stringify(marker) }] });
    await waitFor(async () => (await effectsFor('acct-replay')).length === 2, { what: 'the marker after the forced replay' });
    expect((await effectsFor('acct-replay')).map((e) => e.event_id)).toEqual([bad.eventId, marker.eventId]);

    const [after] = await listDeadLetters(store);
    expect(after.replays).toEqual([
      { at: now.toISOString(), forced: false },
      { at: now.toISOString(), forced: true },
    ]);
    expect(await listDeadLetters(store)).toHaveLength(1); // the replays were handled, not dead-lettered again
    expect((await replayDeadLetter({ ...store, producer }, '0:999999', { now })).kind).toBe('not_found');
  });

  it('re-published the original key, value and headers, without the dlq-* ones (the replays above)', async () => {
    const [letter] = await listDeadLetters({ kafka, topicPrefix: prefix });
    const source = (await readSource()).filter((m) => m.key === 'acct-replay' && JSON.parse(m.value!).eventId === letter.eventId);
    expect(source).toHaveLength(3); // the original and two replays
    for (const m of source) expect(m.headers).toEqual({ traceparent: '00-trace-01' });
    expect(source[1].value).toBe(source[0].value);
  });

  it('refuses to replay an event older than half of INBOX_RETENTION, which consumers may have forgotten, and replays a younger one', async () => {
    const store = { kafka, topicPrefix: prefix, producer };
    const [letter] = await listDeadLetters(store);
    expect(letter.occurredAt).toBe('2026-11-15T10:00:00.000Z');
    const now = new Date('2026-12-01T15:00:00.000Z'); // 16 days and 5 hours later
    const DAY = 86_400_000;

    const refused = await replayDeadLetter(store, letter.id, { now, force: true, maxEventAgeMs: 16 * DAY });
    expect(refused.kind).toBe('beyond_inbox_retention');
    // the real CLI, with services that keep inbox ids for 2 days: a replay window of 1 day
    const short = await runCli(['replay', letter.id, '--force'], { INBOX_RETENTION: '2d' }).catch((error: { code: number; stderr: string }) => error);
    expect(short).toMatchObject({ code: 1, stderr: expect.stringContaining('half of INBOX_RETENTION') });
    expect((await listDeadLetters(store))[0].replays).toHaveLength(2); // nothing replayed

    expect((await replayDeadLetter(store, letter.id, { now, force: true, maxEventAgeMs: 17 * DAY })).kind).toBe('replayed');
    const marker = usageEvent('acct-replay', 9);
    await producer.send({ topic: topicName(prefix, TOPICS.usage), acks: -1, messages: [{ key: 'acct-replay', value: JSON.stringify(marker) }] });
    await waitFor(async () => (await effectsFor('acct-replay')).length === 3, { what: 'the marker after the replay' });
    expect((await effectsFor('acct-replay')).map((e) => e.seq)).toEqual(['7', '8', '9']); // the replay itself was dropped
  });

  function readSource() {
    return readTopic(topicName(prefix, TOPICS.usage), { until: (m) => m.filter((x) => x.key === 'acct-replay').length >= 4 });
  }
});
