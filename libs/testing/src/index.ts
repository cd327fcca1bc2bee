/**
 * Helpers for integration tests against the real Kafka broker and PostgreSQL. Every test
 * file gets its own database and topic prefix (unique names), so files run in parallel and
 * repeatedly without interfering.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, KafkaMessage, logLevel } from 'kafkajs';
export { freeKafkaPort, freePort, freePorts } from './ports';
export { deciderSpec } from './decider-spec';
export type { DeciderSpec, DeciderUnderTest, Decided, Scenario, Step } from './decider-spec';
export { planNodesOf, updatesOf } from './explain';
export type { PlanNode } from './explain';

export const DATABASE_SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`).split(',');

/**
 * The broker and database server every service a test boots must use: the test's own. Spread it
 * into the service's environment (or config input) so that nothing falls back to a service's
 * default (127.0.0.1:9092, the local PostgreSQL). Throws when the brokers are not `host:port`
 * entries (e.g. `KAFKA_BROKERS=` set but empty), instead of booting a service that looks elsewhere.
 */
export function serviceEnv(): { DATABASE_URL: string; KAFKA_BROKERS: string } {
  if (KAFKA_BROKERS.length === 0 || !KAFKA_BROKERS.every((broker) => /^[^\s:,]+:\d+$/.test(broker))) {
    throw new Error(`KAFKA_BROKERS must be host:port entries separated by commas, got "${KAFKA_BROKERS.join(',')}"`);
  }
  return { DATABASE_URL: DATABASE_SERVER_URL, KAFKA_BROKERS: KAFKA_BROKERS.join(',') };
}

export function uniqueName(label: string): string {
  return `t_${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** A unique topic prefix, e.g. `t_payments_lx3k_ab12cd.` */
export function uniquePrefix(label: string): string {
  return `${uniqueName(label)}.`;
}

export function testKafka(clientId = 'test'): Kafka {
  return new Kafka({ clientId, brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 5 } });
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  { timeoutMs = 30_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value as T;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

function toRead(partition: number, m: KafkaMessage): ReadMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = v === undefined ? '' : String(v);
  return { partition, offset: m.offset, key: m.key?.toString() ?? null, value: m.value?.toString() ?? null, headers };
}

/**
 * Reads a topic from the beginning with a throw-away consumer group until `until` says
 * enough (or the time is up) and returns every message seen.
 */
export async function readTopic(
  topic: string,
  { until, timeoutMs = 20_000, settleMs = 0 }: { until: (messages: ReadMessage[]) => boolean; timeoutMs?: number; settleMs?: number },
): Promise<ReadMessage[]> {
  const kafka = testKafka('reader');
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), allowAutoTopicCreation: false });
  const seen: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push(toRead(partition, message));
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !until(seen)) await new Promise((r) => setTimeout(r, 100));
    if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
  } finally {
    await consumer.disconnect();
  }
  return seen;
}
