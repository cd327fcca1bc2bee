import { randomUUID } from 'node:crypto';
import { Admin, IHeaders, ITopicConfig, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { TOPICS } from '@billing/events';
import { ensureTopics, topicName } from './kafka';

/**
 * The operator's view of the dead-letter topic (`npm run dead-letters`): list what was
 * dead-lettered and why, and re-publish a message to its source topic once its cause is fixed.
 * A replay is an ordinary redelivery: the event id is unchanged, so a consumer that already
 * handled it drops it through its inbox.
 *
 * Every replay is recorded on `billing.dead-letter-replays` (key: the dead letter's id), so the
 * list shows what was replayed and a second replay of the same dead letter needs `force`.
 */
export const DEAD_LETTER_REPLAYS_TOPIC = 'billing.dead-letter-replays';

/** Created on the first replay, kept for ever like the dead-letter topic itself. */
export function deadLetterReplaysTopicConfig(prefix: string): ITopicConfig {
  return {
    topic: topicName(prefix, DEAD_LETTER_REPLAYS_TOPIC),
    numPartitions: 1,
    replicationFactor: 1,
    configEntries: [
      { name: 'retention.ms', value: '-1' },
      { name: 'retention.bytes', value: '-1' },
    ],
  };
}

export interface DeadLetter {
  /** `<partition>:<offset>` of the message on the dead-letter topic. */
  id: string;
  reason: string;
  detail: string;
  consumer: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  failedAt: string;
  eventId: string | null;
  eventType: string | null;
  /** The event's `occurredAt` when the value is readable. */
  occurredAt: string | null;
  replays: { at: string; forced: boolean }[];
  /** The original message, as the consumer received it. */
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

interface RawMessage {
  partition: number;
  message: KafkaMessage;
}

const READ_TIMEOUT_MS = 30_000;

const header = (headers: IHeaders | undefined, name: string): string => {
  const value = headers?.[name];
  if (value === undefined) return '';
  return Array.isArray(value) ? String(value[0] ?? '') : String(value);
};

/** Every message of a topic up to its end right now; [] when the topic does not exist. */
async function readWholeTopic(kafka: Kafka, admin: Admin, topic: string): Promise<RawMessage[]> {
  if (!(await admin.listTopics()).includes(topic)) return [];
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, { low: BigInt(p.low), high: BigInt(p.high) }]));
  const pending = new Set([...ends].filter(([, o]) => o.high > o.low).map(([p]) => p));
  if (pending.size === 0) return [];
  const groupId = `dead-letters-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
  const seen: RawMessage[] = [];
  await consumer.connect();
  try {
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const end = ends.get(partition)!.high;
        if (BigInt(message.offset) >= end) return;
        seen.push({ partition, message });
        if (BigInt(message.offset) >= end - 1n) pending.delete(partition);
        if (pending.size === 0) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`could not read ${topic} to its end within ${READ_TIMEOUT_MS} ms`)), READ_TIMEOUT_MS);
    });
    await Promise.race([finished, timeout]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return seen;
}

function toDeadLetter({ partition, message }: RawMessage): DeadLetter {
  const headers = message.headers ?? {};
  let eventId: string | null = null;
  let eventType: string | null = null;
  let occurredAt: string | null = null;
  try {
    const parsed = JSON.parse(message.value?.toString('utf8') ?? '') as { eventId?: unknown; type?: unknown; occurredAt?: unknown };
    if (typeof parsed.eventId === 'string') eventId = parsed.eventId;
    if (typeof parsed.type === 'string') eventType = parsed.type;
    if (typeof parsed.occurredAt === 'string' && !Number.isNaN(Date.parse(parsed.occurredAt))) occurredAt = parsed.occurredAt;
  } catch {
    // not JSON (that may be why it was dead-lettered): no event id to show
  }
  return {
    id: `${partition}:${message.offset}`,
    reason: header(headers, 'dlq-reason'),
    detail: header(headers, 'dlq-detail'),
    consumer: header(headers, 'dlq-consumer'),
    sourceTopic: header(headers, 'dlq-source-topic'),
    sourcePartition: Number(header(headers, 'dlq-source-partition')),
    sourceOffset: header(headers, 'dlq-source-offset'),
    failedAt: header(headers, 'dlq-failed-at'),
    eventId,
    eventType,
    occurredAt,
    replays: [],
    key: message.key ?? null,
    value: message.value ?? null,
    headers,
  };
}

export interface DeadLetterStore {
  kafka: Kafka;
  /** The deployment's topic prefix (TOPIC_PREFIX). */
  topicPrefix: string;
}

/** Every dead letter with its replays, oldest first (dead-letter partition, then offset). */
export async function listDeadLetters({ kafka, topicPrefix }: DeadLetterStore, { limit }: { limit?: number } = {}): Promise<DeadLetter[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const letters = (await readWholeTopic(kafka, admin, topicName(topicPrefix, TOPICS.deadLetter))).map(toDeadLetter);
    const replays = await readWholeTopic(kafka, admin, topicName(topicPrefix, DEAD_LETTER_REPLAYS_TOPIC));
    const byId = new Map(letters.map((l) => [l.id, l]));
    for (const { message } of replays) {
      const letter = byId.get(message.key?.toString() ?? '');
      if (letter) letter.replays.push({ at: header(message.headers, 'dlq-replayed-at'), forced: header(message.headers, 'dlq-replay-forced') === 'true' });
    }
    letters.sort((a, b) => a.failedAt.localeCompare(b.failedAt) || a.id.localeCompare(b.id, 'en', { numeric: true }));
    return limit === undefined ? letters : letters.slice(Math.max(0, letters.length - limit));
  } finally {
    await admin.disconnect();
  }
}

export type ReplayOutcome =
  | { kind: 'replayed'; letter: DeadLetter }
  | { kind: 'not_found' }
  | { kind: 'already_replayed'; letter: DeadLetter }
  | { kind: 'beyond_inbox_retention'; letter: DeadLetter; maxEventAgeMs: number };

/**
 * Re-publishes the original message of dead letter `id` (same key, value and headers, minus the
 * `dlq-*` ones) to its source topic, then records the replay. A dead letter replayed before is
 * refused unless `force`. The replay goes out first: were the record lost, a second replay only
 * redelivers an event the inbox already knows.
 */
export async function replayDeadLetter(
  store: DeadLetterStore & { producer: Producer },
  id: string,
  { force = false, now, maxEventAgeMs }: { force?: boolean; now: Date; maxEventAgeMs?: number },
): Promise<ReplayOutcome> {
  const letter = (await listDeadLetters(store)).find((l) => l.id === id);
  if (!letter) return { kind: 'not_found' };
  if (letter.replays.length > 0 && !force) return { kind: 'already_replayed', letter };
  // Every consumer group of the source topic receives the replay, not only the one that failed.
  // Those that handled the event drop it by its inbox id only while they keep it (INBOX_RETENTION):
  // an event older than `maxEventAgeMs` may have been forgotten and would be handled twice.
  if (maxEventAgeMs !== undefined && letter.occurredAt !== null && now.getTime() - Date.parse(letter.occurredAt) > maxEventAgeMs) {
    return { kind: 'beyond_inbox_retention', letter, maxEventAgeMs };
  }
  const headers = Object.fromEntries(Object.entries(letter.headers).filter(([name]) => !name.startsWith('dlq-')));
  await store.producer.send({
    topic: letter.sourceTopic,
    acks: -1,
    messages: [{ key: letter.key, value: letter.value, headers }],
  });
  const admin = store.kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [deadLetterReplaysTopicConfig(store.topicPrefix)]);
  } finally {
    await admin.disconnect();
  }
  const replayedAt = now.toISOString();
  await store.producer.send({
    topic: topicName(store.topicPrefix, DEAD_LETTER_REPLAYS_TOPIC),
    acks: -1,
    messages: [
      {
        key: letter.id,
        value: JSON.stringify({ id: letter.id, eventId: letter.eventId, sourceTopic: letter.sourceTopic, replayedAt, forced: force }),
        headers: { 'dlq-replayed-at': replayedAt, 'dlq-replay-forced': String(force) },
      },
    ],
  });
  letter.replays.push({ at: replayedAt, forced: force });
  return { kind: 'replayed', letter };
}

/** One dead letter as the CLI prints it: a summary line and the detail indented below. */
export function formatDeadLetter(letter: DeadLetter): string {
  const event = letter.eventType || letter.eventId ? `${letter.eventType ?? '?'} ${letter.eventId ?? '?'}` : '(no event id)';
  const replayed =
    letter.replays.length === 0 ? 'not replayed' : `replayed ${letter.replays.length}x, last at ${letter.replays[letter.replays.length - 1].at}`;
  return [
    `${letter.id}  ${letter.failedAt}  ${letter.reason}  ${letter.consumer}  ${letter.sourceTopic}[${letter.sourcePartition}]@${letter.sourceOffset}  ${event}  ${replayed}`,
    `    ${letter.detail.replace(/\s+/g, ' ')}`,
  ].join('\n');
}
