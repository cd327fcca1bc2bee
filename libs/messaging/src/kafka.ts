import { Admin, ITopicConfig, Kafka, logLevel as KafkaLogLevel, LogEntry } from 'kafkajs';
import { LEDGER_TOPICS, TOPICS } from '@billing/events';
import { Logger } from './logger';
import { retry } from './retry';

/** The deployed name of a contract topic: tests and parallel deployments use a prefix. */
export function topicName(prefix: string, base: string): string {
  return `${prefix}${base}`;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

export function createKafka(clientId: string, brokers: string[], logger: Logger): Kafka {
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        logger[LEVELS[level] ?? 'info']({ kafka: extra }, message);
      },
  });
}

export interface TopicSetup {
  prefix: string;
  partitions: number;
}

/**
 * Creates every billing topic (idempotent). Ledger topics and the dead-letter topic keep
 * their events forever; nothing relies on broker auto-creation.
 */
export function billingTopicConfigs({ prefix, partitions }: TopicSetup): ITopicConfig[] {
  const forever = [
    { name: 'retention.ms', value: '-1' },
    { name: 'retention.bytes', value: '-1' },
    { name: 'cleanup.policy', value: 'delete' },
  ];
  return [...LEDGER_TOPICS, TOPICS.deadLetter].map((base) => ({
    topic: topicName(prefix, base),
    numPartitions: partitions,
    replicationFactor: 1,
    configEntries: forever,
  }));
}

export async function ensureTopics(admin: Admin, topics: ITopicConfig[], attempts = 6): Promise<void> {
  // Retried when another instance created them concurrently, or the broker is still electing leaders.
  await retry(
    async () => {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t.topic));
      if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
      // Leaders elected and metadata visible for every topic (a busy broker can lag behind).
      await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
    },
    { attempts, baseDelayMs: 500, maxDelayMs: Infinity, jitter: false },
  );
}
