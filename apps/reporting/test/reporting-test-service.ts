/**
 * Test support for reporting integration tests: the environment of one test deployment (its own
 * database and topic prefix) and the real service booted in-process on it.
 */
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Admin, Kafka } from 'kafkajs';
import { LEDGER_TOPICS } from '@billing/events';
import { Clock, ServiceRuntime, billingTopicConfigs, bootService, dropDatabase, hashToken, topicName } from '@billing/messaging';
import { DATABASE_SERVER_URL, KAFKA_BROKERS, uniqueName, uniquePrefix } from '@billing/testing';
import { AppModule } from '../src/app.module';
import { loadReportingConfig } from '../src/config';
import { reportingMigrations } from '../src/database';
import { setupApiDocs } from '../src/finance/infrastructure/http/api-docs';

export const PARTITIONS = 3;

export function reportingDeployment(label: string) {
  const tokens = { finance: `finance-${randomUUID()}`, admin: `admin-${randomUUID()}` };
  const database = uniqueName(label);
  const prefix = uniquePrefix(label);
  const env = {
    DATABASE_URL: DATABASE_SERVER_URL,
    DATABASE_NAME: database,
    KAFKA_BROKERS: KAFKA_BROKERS.join(','),
    TOPIC_PREFIX: prefix,
    TOPIC_PARTITIONS: String(PARTITIONS),
    HTTP_PORT: '0',
    AUTH_TOKENS: `finance:sha256=${hashToken(tokens.finance)},admin:sha256=${hashToken(tokens.admin)}`,
    LOG_LEVEL: 'silent',
    PROJECTION_GENERATION_POLL_MS: '200',
  };
  return { tokens, database, prefix, env };
}

/** Reporting in-process on the deployment's environment (no outbox relay, no signal handlers). */
export async function bootReporting(env: Record<string, string>, clock?: Clock): Promise<{ app: INestApplication; runtime: ServiceRuntime }> {
  const config = loadReportingConfig(env);
  return bootService({
    config,
    migrations: reportingMigrations,
    relay: false,
    handleSignals: false,
    clock,
    module: (r) => AppModule.forRoot(r, config),
    configure: (a) => setupApiDocs(a),
  });
}

/** Reporting booted on the deployment's environment, with a connected admin client and an idempotent producer. */
export async function startReporting(kafka: Kafka, env: Record<string, string>, clock?: Clock) {
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const { app, runtime } = await bootReporting(env, clock);
  return { admin, producer, app, runtime };
}

/** Deletes the deployment's topics and database (after the service is closed). */
export async function removeDeployment(kafka: Kafka, { prefix, database }: { prefix: string; database: string }): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: billingTopicConfigs({ prefix, partitions: PARTITIONS }).map((t) => t.topic) }).catch(() => undefined);
  await admin.disconnect();
  await dropDatabase(DATABASE_SERVER_URL, database);
}

/** The projector's current group has committed every ledger partition up to its end. */
export async function projectionCaughtUp(runtime: ServiceRuntime, admin: Admin, prefix: string): Promise<boolean> {
  const [{ generation }] = await runtime.dataSource.query('SELECT generation FROM projection_state');
  const groupId = `${prefix}reporting.projector.g${generation}`;
  const topics = LEDGER_TOPICS.map((t) => topicName(prefix, t));
  const committed = new Map<string, bigint>();
  for (const entry of await admin.fetchOffsets({ groupId, topics })) {
    for (const p of entry.partitions) committed.set(`${entry.topic}/${p.partition}`, BigInt(p.offset));
  }
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(p.high) > BigInt(p.low) && (committed.get(`${topic}/${p.partition}`) ?? -1n) < BigInt(p.high)) return false;
    }
  }
  return true;
}
