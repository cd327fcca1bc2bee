/**
 * Property-based fuzzing of the input topics (fast-check): random bytes, broken JSON, wrong
 * envelopes, unknown types and versions, and envelopes whose payload breaks its contract,
 * produced into every billing topic of a running stack. Invariants:
 * - every message a consumer cannot decode is dead-lettered exactly once by every consumer
 *   group that reads its topic (with its reason), and by no other;
 * - every consumer goes on: its committed offsets reach the end of each topic it reads, and a
 *   good UsageRecorded produced after the bad ones is stored.
 * The oracle of "cannot decode" is the contracts' own `parseEvent`, the function every
 * consumer validates with.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Admin, AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { CONTRACTS, LEDGER_TOPICS, TOPICS, UsageRecordedV1, createEvent, parseEvent } from '@billing/events';
import { topicName } from '@billing/messaging';
import { DEV_TOKENS, Stack } from '../../scripts/stack/stack';

type BadKind = 'random_bytes' | 'empty' | 'broken_json' | 'not_an_envelope' | 'unknown_type' | 'unknown_version' | 'schema_violation';

interface BadMessage {
  kind: BadKind;
  topic: string;
  key: string | null;
  value: Buffer | null;
}

const envelopeOf = (type: string, version: number, payload: unknown, accountId: string) => ({
  eventId: randomUUID(),
  type,
  version,
  occurredAt: '2026-11-02T10:00:00.000Z',
  producer: 'fuzzer',
  accountId,
  correlationId: 'fuzz',
  causationId: null,
  payload,
});

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** One message that no consumer can decode, for one of the ledger topics. */
export function badMessage(): fc.Arbitrary<BadMessage> {
  const topic = fc.constantFrom(...LEDGER_TOPICS);
  const key = fc.option(fc.uuid(), { nil: null });
  const payload = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.object({ maxDepth: 2 }));
  return fc.oneof(
    fc.record({ kind: fc.constant<BadKind>('random_bytes'), topic, key, value: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b)) }),
    fc.record({ kind: fc.constant<BadKind>('empty'), topic, key, value: fc.constant(null) }),
    fc.record({ kind: fc.constant<BadKind>('broken_json'), topic, key, value: fc.string({ maxLength: 100 }).map((s) => Buffer.from(`{"eventId":${s}`)) }),
    fc.record({ kind: fc.constant<BadKind>('not_an_envelope'), topic, key, value: fc.jsonValue({ maxDepth: 3 }).map(json) }),
    fc.record({
      kind: fc.constant<BadKind>('unknown_type'),
      topic,
      key,
      value: fc.tuple(fc.string({ minLength: 1, maxLength: 30 }), payload).map(([type, p]) => json(envelopeOf(`Fuzz${type}`, 1, p, randomUUID()))),
    }),
    fc.constantFrom(...CONTRACTS).chain((contract) =>
      fc.record({
        kind: fc.constant<BadKind>('unknown_version'),
        topic: fc.constant(contract.topic),
        key,
        value: fc.tuple(fc.integer({ min: 2, max: 1000 }), payload).map(([v, p]) => json(envelopeOf(contract.type, contract.version + v, p, randomUUID()))),
      }),
    ),
    fc.constantFrom(...CONTRACTS).chain((contract) =>
      fc.record({
        kind: fc.constant<BadKind>('schema_violation'),
        topic: fc.constant(contract.topic),
        key,
        value: payload.map((p) => json(envelopeOf(contract.type, contract.version, p, randomUUID()))),
      }),
    ),
  );
}

/** True when a consumer must dead-letter these bytes (the same decoding the consumers do). */
export function undecodable(value: Buffer | null): boolean {
  if (!value || value.length === 0) return true;
  let raw: unknown;
  try {
    raw = JSON.parse(value.toString('utf8'));
  } catch {
    return true;
  }
  return !parseEvent(raw).ok;
}

/** Consumer groups of the stack and the topics each subscribes to (from the group coordinator). */
async function subscriptions(admin: Admin, prefix: string): Promise<Map<string, string[]>> {
  const { groups } = await admin.listGroups();
  const ids = groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
  const described = await admin.describeGroups(ids);
  const result = new Map<string, string[]>();
  for (const group of described.groups) {
    const topics = new Set<string>();
    for (const member of group.members) {
      for (const t of AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.topics ?? []) topics.add(t);
    }
    if (topics.size > 0) result.set(group.groupId, [...topics]);
  }
  return result;
}

interface DeadLetter {
  consumer: string;
  sourceTopic: string;
  sourcePartition: string;
  sourceOffset: string;
  reason: string;
}

async function readDeadLetters(kafka: Kafka, topic: string, expected: number, timeoutMs: number): Promise<DeadLetter[]> {
  const consumer = kafka.consumer({ groupId: `fuzz-reader-${randomUUID()}`, allowAutoTopicCreation: false });
  const seen: DeadLetter[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const h = (name: string) => message.headers?.[name]?.toString() ?? '';
        seen.push({
          consumer: h('dlq-consumer'),
          sourceTopic: h('dlq-source-topic'),
          sourcePartition: h('dlq-source-partition'),
          sourceOffset: h('dlq-source-offset'),
          reason: h('dlq-reason'),
        });
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && seen.length < expected) await new Promise((r) => setTimeout(r, 200));
    // anything beyond the expected count (a double) shows up within a moment
    await new Promise((r) => setTimeout(r, 2_000));
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

export interface TopicFuzzOptions {
  runs: number;
  seed: number;
  /** An active account of the stack: the good UsageRecorded after the bad messages is its. */
  accountId: string;
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface TopicFuzzStats {
  produced: number;
  deadLetters: number;
  byKind: Record<string, number>;
}

export async function fuzzTopics(stack: Stack, options: TopicFuzzOptions): Promise<TopicFuzzStats> {
  const prefix = stack.options.topicPrefix;
  const kafka = new Kafka({ clientId: 'fuzzer', brokers: stack.options.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true });
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    const messages = fc.sample(badMessage(), { numRuns: options.runs, seed: options.seed });
    const groups = await subscriptions(admin, prefix);
    const stats: TopicFuzzStats = { produced: 0, deadLetters: 0, byKind: {} };

    // produce one at a time so every message's partition and offset is known
    const expected = new Map<string, Set<string>>(); // "topic|partition|offset" -> consumers that must dead-letter it
    for (const message of messages) {
      const topic = topicName(prefix, message.topic as (typeof LEDGER_TOPICS)[number]);
      const [meta] = await producer.send({ topic, acks: -1, messages: [{ key: message.key, value: message.value }] });
      stats.produced += 1;
      stats.byKind[message.kind] = (stats.byKind[message.kind] ?? 0) + 1;
      if (!undecodable(message.value)) throw new Error(`the fuzzer produced a decodable ${message.kind} message: ${message.value}`);
      const readers = [...groups].filter(([, topics]) => topics.includes(topic)).map(([g]) => g.slice(prefix.length));
      expected.set(`${topic}|${meta.partition}|${meta.baseOffset}`, new Set(readers));
    }

    // a good event after the bad ones: it must be handled
    const usageId = `fuzz-good-${randomUUID()}`;
    const good = createEvent(
      UsageRecordedV1,
      { eventId: randomUUID(), occurredAt: '2026-11-02T10:00:00.000Z', producer: 'fuzzer', accountId: options.accountId, correlationId: 'fuzz', causationId: null },
      { usageId, sku: 'api.request', resourceId: 'fuzz-key', quantity: '7', occurredAt: '2026-10-15T10:00:00.000Z' },
    );
    await producer.send({ topic: topicName(prefix, TOPICS.usage), acks: -1, messages: [{ key: options.accountId, value: json(good) }] });

    const total = [...expected.values()].reduce((n, s) => n + s.size, 0);
    const timeoutMs = options.timeoutMs ?? 120_000;
    const letters = (await readDeadLetters(kafka, topicName(prefix, TOPICS.deadLetter), total, timeoutMs)).filter((l) =>
      expected.has(`${l.sourceTopic}|${l.sourcePartition}|${l.sourceOffset}`),
    );
    stats.deadLetters = letters.length;

    const problems: string[] = [];
    // A dead letter names its consumer as `<service>.<name>`; its group is that, or that plus a
    // generation suffix where the consumer overrides its group (reporting's rebuildable projector).
    const readerOf = (source: string, consumer: string) =>
      [...(expected.get(source) ?? [])].find((group) => group === consumer || group.startsWith(`${consumer}.`));
    const counted = new Map<string, number>();
    for (const l of letters) {
      const source = `${l.sourceTopic}|${l.sourcePartition}|${l.sourceOffset}`;
      const reader = readerOf(source, l.consumer);
      if (!reader) {
        problems.push(`${l.consumer} dead-lettered ${source}, a topic it does not read`);
        continue;
      }
      counted.set(`${source}|${reader}`, (counted.get(`${source}|${reader}`) ?? 0) + 1);
      if (!l.reason) problems.push(`dead letter without a reason: ${source} by ${l.consumer}`);
    }
    for (const [source, readers] of expected) {
      for (const reader of readers) {
        const n = counted.get(`${source}|${reader}`) ?? 0;
        if (n !== 1) problems.push(`${reader} dead-lettered ${source} ${n} times (expected once)`);
      }
    }

    // every consumer went on past the bad messages: committed offsets reach each topic's end
    for (const [groupId, topics] of groups) {
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
          const behind = ends.filter((end) => {
            const c = committed.partitions.find((p) => p.partition === end.partition);
            return BigInt(c && c.offset !== '-1' ? c.offset : '0') < BigInt(end.high);
          });
          if (behind.length === 0) break;
          if (Date.now() > deadline) {
            problems.push(`${groupId} is stuck on ${topic} partitions ${behind.map((b) => b.partition).join(',')}`);
            break;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    }

    const usage = await fetch(`${stack.url('invoicing')}/v1/accounts/${options.accountId}/usage?limit=500`, {
      headers: { authorization: `Bearer ${DEV_TOKENS.operator}` },
    });
    const usageText = await usage.text();
    if (!usageText.includes(usageId)) problems.push(`the good UsageRecorded after the bad messages was not stored (${usage.status})`);

    if (problems.length > 0) {
      throw new Error(`topic fuzz (seed ${options.seed}, ${messages.length} messages) broke invariants:\n${problems.slice(0, 30).join('\n')}`);
    }
    return stats;
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
}
