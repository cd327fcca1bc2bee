import { randomUUID } from 'node:crypto';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { BillingEvent, Envelope, TOPICS, UsageRecordedV1, createEvent } from '@billing/events';
import { ConsumerDefinition } from '../src';

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
