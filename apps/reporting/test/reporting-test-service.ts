/**
 * Test support for reporting integration tests: the environment of one test deployment (its own
 * database and topic prefix) and the real service booted in-process on it.
 */
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { Clock, ServiceRuntime, billingTopicConfigs, bootService, dropDatabase, hashToken } from '@billing/messaging';
import { DATABASE_SERVER_URL, KAFKA_BROKERS, uniqueName, uniquePrefix } from '@billing/testing';
import { AppModule } from '../src/app.module';
import { loadReportingConfig } from '../src/config';
import { reportingEntities, reportingMigrations } from '../src/database';
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
    entities: reportingEntities,
    migrations: reportingMigrations,
    relay: false,
    handleSignals: false,
    clock,
    module: (r) => AppModule.forRoot(r, config),
    configure: (a) => setupApiDocs(a),
  });
}

/** Deletes the deployment's topics and database (after the service is closed). */
export async function removeDeployment(kafka: Kafka, { prefix, database }: { prefix: string; database: string }): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: billingTopicConfigs({ prefix, partitions: PARTITIONS }).map((t) => t.topic) }).catch(() => undefined);
  await admin.disconnect();
  await dropDatabase(DATABASE_SERVER_URL, database);
}
