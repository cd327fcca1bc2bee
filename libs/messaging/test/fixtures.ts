import { randomUUID } from 'node:crypto';
import { Admin, Producer } from 'kafkajs';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { BillingEvent, Envelope, TOPICS, UsageRecordedV1, createEvent } from '@billing/events';
import { DATABASE_SERVER_URL, testKafka, uniqueName, uniquePrefix } from '@billing/testing';
import { ConsumerDefinition, billingTopicConfigs, dropDatabase, ensureTopics, openServiceDatabase } from '../src';

/** A tiny "service" used to prove the messaging guarantees: each event leaves one effect row. */
export class EffectsTable1764300000001 implements MigrationInterface {
  name = 'EffectsTable1764300000001';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE effects (
      id bigserial PRIMARY KEY, event_id uuid NOT NULL, account_id text NOT NULL, seq numeric NOT NULL)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE effects');
  }
}

export function usageEvent(accountId: string, seq: number, overrides: Partial<Envelope> = {}): Envelope {
  const event = createEvent(
    UsageRecordedV1,
    {
      eventId: randomUUID(),
      occurredAt: '2026-11-15T10:00:00.000Z',
      producer: 'test',
      accountId,
      correlationId: 'corr-test',
      causationId: null,
    },
    { usageId: `u-${seq}`, sku: 'server-hour', resourceId: 'srv-1', quantity: String(seq), occurredAt: '2026-11-15T10:00:00.000Z' },
  );
  return { ...event, ...overrides };
}

export interface EffectsConsumerOptions {
  failOn?: (event: BillingEvent) => Error | undefined;
}

export function effectsConsumer(name = 'effects', options: EffectsConsumerOptions = {}): ConsumerDefinition {
  return {
    name,
    topics: [TOPICS.usage],
    accepts: ['UsageRecorded'],
    async handle(events, { manager }) {
      for (const event of events) {
        const failure = options.failOn?.(event);
        if (failure) throw failure;
      }
      const usage = events.filter((e): e is Extract<BillingEvent, { type: 'UsageRecorded' }> => e.type === 'UsageRecorded');
      await manager.query(
        `INSERT INTO effects (event_id, account_id, seq)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::numeric[])`,
        [usage.map((e) => e.eventId), usage.map((e) => e.accountId), usage.map((e) => e.payload.quantity)],
      );
    },
  };
}

/**
 * A database with the effects table and billing topics under a unique prefix, with a connected
 * admin and idempotent producer, for a messaging int spec: `setUp()` in beforeAll, `tearDown()` in
 * afterAll (drops the topics and the database).
 */
export function messagingTestBed(label: string, partitions = 2) {
  const kafka = testKafka(`${label}-test`);
  const bed = {
    kafka,
    database: uniqueName(label),
    prefix: uniquePrefix(label),
    dataSource: undefined as unknown as DataSource,
    admin: undefined as unknown as Admin,
    producer: undefined as unknown as Producer,
    async setUp() {
      bed.dataSource = await openServiceDatabase({ serverUrl: DATABASE_SERVER_URL, database: bed.database, migrations: [EffectsTable1764300000001] });
      bed.admin = kafka.admin();
      await bed.admin.connect();
      await ensureTopics(bed.admin, billingTopicConfigs({ prefix: bed.prefix, partitions }));
      bed.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await bed.producer.connect();
    },
    async tearDown() {
      await bed.producer.disconnect();
      await bed.admin.deleteTopics({ topics: billingTopicConfigs({ prefix: bed.prefix, partitions }).map((t) => t.topic) }).catch(() => undefined);
      await bed.admin.disconnect();
      await bed.dataSource.destroy();
      await dropDatabase(DATABASE_SERVER_URL, bed.database);
    },
  };
  return bed;
}
