/**
 * Test kit for the notifications integration and e2e tests: event builders based on the domain's
 * sample events (fresh ids per call), a producer helper, and a collector that reads the
 * notifications and dead-letter topics for the whole test file.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import {
  AccountHoldPlacedV1,
  AccountHoldReleasedV1,
  ChargeFailedV1,
  CreditNoteIssuedV1,
  InvoiceGeneratedV1,
  TOPICS,
  contractFor,
  createEvent,
  type CustomerSnapshot,
  type Envelope,
  type EventOf,
} from '@billing/events';
import { topicName } from '@billing/messaging';
import { uniqueName } from '@billing/testing';
import {
  sampleAccountHoldPlaced,
  sampleAccountHoldReleased,
  sampleChargeFailed,
  sampleCreditNote,
  sampleInvoiceGenerated,
} from '../notifications/domain/sample-events';

const meta = (accountId: string, correlationId = randomUUID()) => ({
  eventId: randomUUID(),
  occurredAt: '2017-08-08T03:31:09.000Z',
  producer: 'test',
  accountId,
  correlationId,
  causationId: null,
});

export function customer(overrides: Partial<CustomerSnapshot> = {}): CustomerSnapshot {
  return { ...sampleInvoiceGenerated.payload.customer, ...overrides };
}

/** The seed scenario's invoice ($10.00, America/Los_Angeles, en-US, issued 2017-08-08T03:31:09Z) with fresh ids. */
export function invoiceGenerated(
  accountId: string,
  overrides: Partial<EventOf<'InvoiceGenerated'>['payload']> = {},
): EventOf<'InvoiceGenerated'> {
  return createEvent(InvoiceGeneratedV1, meta(accountId), {
    ...sampleInvoiceGenerated.payload,
    invoiceId: randomUUID(),
    ...overrides,
  }) as EventOf<'InvoiceGenerated'>;
}

export function chargeFailed(accountId: string, overrides: Partial<EventOf<'ChargeFailed'>['payload']> = {}): EventOf<'ChargeFailed'> {
  return createEvent(ChargeFailedV1, meta(accountId), { ...sampleChargeFailed.payload, ...overrides }) as EventOf<'ChargeFailed'>;
}

export function accountHoldPlaced(
  accountId: string,
  overrides: Partial<EventOf<'AccountHoldPlaced'>['payload']> = {},
): EventOf<'AccountHoldPlaced'> {
  return createEvent(AccountHoldPlacedV1, meta(accountId), {
    ...sampleAccountHoldPlaced.payload,
    holdId: randomUUID(),
    ...overrides,
  }) as EventOf<'AccountHoldPlaced'>;
}

export function accountHoldReleased(
  accountId: string,
  overrides: Partial<EventOf<'AccountHoldReleased'>['payload']> = {},
): EventOf<'AccountHoldReleased'> {
  return createEvent(AccountHoldReleasedV1, meta(accountId), {
    ...sampleAccountHoldReleased.payload,
    ...overrides,
  }) as EventOf<'AccountHoldReleased'>;
}

/** The sample credit note (USD 2.50 of the seed invoice, refund) with a fresh credit note id. */
export function creditNoteIssued(
  accountId: string,
  overrides: Partial<EventOf<'CreditNoteIssued'>['payload']> = {},
): EventOf<'CreditNoteIssued'> {
  return createEvent(CreditNoteIssuedV1, meta(accountId), {
    ...sampleCreditNote.payload,
    creditNoteId: randomUUID(),
    ...overrides,
  }) as EventOf<'CreditNoteIssued'>;
}

/** Produces events onto their contract's topic under `prefix`, keyed by account, as a service would. */
export async function publish(producer: Producer, prefix: string, events: readonly Envelope[]): Promise<void> {
  const byTopic = new Map<string, { key: string; value: string }[]>();
  for (const event of events) {
    const topic = topicName(prefix, contractFor(event.type as EventOf<'InvoiceGenerated'>['type']).topic);
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { key: event.accountId, value: JSON.stringify(event) }]);
  }
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
}

export interface Collected {
  topic: string;
  event: Envelope & { payload: Record<string, unknown> };
  headers: Record<string, string>;
}

/** Reads the notifications and dead-letter topics from the beginning for the whole test file. */
export class TopicCollector {
  readonly seen: Collected[] = [];
  private consumer?: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly prefix: string,
  ) {}

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: uniqueName('collector'), allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [topicName(this.prefix, TOPICS.notifications), topicName(this.prefix, TOPICS.deadLetter)],
      fromBeginning: true,
    });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = v === undefined ? '' : String(v);
        let event: Collected['event'];
        try {
          event = JSON.parse(message.value?.toString() ?? 'null');
        } catch {
          event = { type: 'unparseable' } as Collected['event'];
        }
        this.seen.push({ topic: topic.slice(this.prefix.length), event, headers });
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  /** EmailSent / EmailFailed events about one email key. */
  about(emailKey: string): Collected['event'][] {
    return this.seen.filter((c) => c.topic === TOPICS.notifications && c.event.payload?.emailKey === emailKey).map((c) => c.event);
  }

  deadLetters(): Collected[] {
    return this.seen.filter((c) => c.topic === TOPICS.deadLetter);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
