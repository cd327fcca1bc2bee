/**
 * Test support for the payments service: event builders, the Stripe sandbox started
 * in-process, and a collector of what payments emitted on billing.payments.
 */
import { randomUUID } from 'node:crypto';
import { Consumer, Producer } from 'kafkajs';
import Stripe from 'stripe';
import { BillingEvent, ChargeRetryRequestedV1, Envelope, InvoiceGeneratedV1, TOPICS, createEvent, parseEvent } from '@billing/events';
import { topicName } from '@billing/messaging';
import { testKafka, uniqueName } from '@billing/testing';
import { createSandbox, type Sandbox } from '../../../tools/stripe-sandbox/src';
import type { ChargeRecord } from '../../../tools/stripe-sandbox/src';

export async function startSandbox(): Promise<{ sandbox: Sandbox; port: number; stripe: Stripe }> {
  const sandbox = createSandbox({ webhookRetryDelaysMs: [100, 300] });
  const { port } = await sandbox.listen(0);
  const stripe = new Stripe('sk_test_sandbox', { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });
  return { sandbox, port, stripe };
}

/** Every charge the sandbox made for one invoice (from the PaymentIntent metadata). */
export function chargesFor(sandbox: Sandbox, invoiceId: string): ChargeRecord[] {
  return sandbox.state.charges.filter((c) => c.metadata.invoice_id === invoiceId);
}

export interface InvoiceSpec {
  accountId?: string;
  currency?: string;
  totalMinor?: number;
  paymentMethodId?: string | null;
  providerCustomerId?: string | null;
}

export function invoiceGenerated(spec: InvoiceSpec = {}): Envelope & { payload: { invoiceId: string } } {
  const accountId = spec.accountId ?? randomUUID();
  const totalMinor = spec.totalMinor ?? 2_000;
  const invoiceId = randomUUID();
  return createEvent(
    InvoiceGeneratedV1,
    {
      eventId: randomUUID(),
      occurredAt: '2026-12-01T08:00:00.000Z',
      producer: 'invoicing',
      accountId,
      correlationId: randomUUID(),
      causationId: null,
    },
    {
      invoiceId,
      invoiceNumber: `INV-2026-11-${invoiceId.slice(0, 8)}`,
      runId: randomUUID(),
      period: '2026-11',
      periodStart: '2026-11-01T00:00:00.000Z',
      periodEnd: '2026-12-01T00:00:00.000Z',
      currency: (spec.currency ?? 'USD') as 'USD',
      subtotalMinor: totalMinor,
      creditAppliedMinor: 0,
      totalMinor,
      issuedAt: '2026-12-01T08:00:00.000Z',
      dueAt: '2026-12-15T08:00:00.000Z',
      lines: [],
      customer: { name: 'Ada Lovelace', email: 'ada@example.com', timeZone: 'Europe/London', locale: 'en-GB' },
      payment: {
        providerCustomerId: spec.providerCustomerId === undefined ? null : spec.providerCustomerId,
        paymentMethodId: spec.paymentMethodId === undefined ? 'pm_card_visa' : spec.paymentMethodId,
      },
      requiresCharge: totalMinor > 0,
    },
  );
}

export function chargeRetryRequested(invoice: Envelope & { payload: { invoiceId: string } }, attempt: number): Envelope {
  return createEvent(
    ChargeRetryRequestedV1,
    {
      eventId: randomUUID(),
      occurredAt: '2026-12-02T08:00:00.000Z',
      producer: 'collections',
      accountId: invoice.accountId,
      correlationId: invoice.correlationId,
      causationId: randomUUID(),
    },
    {
      invoiceId: invoice.payload.invoiceId,
      dunningCaseId: randomUUID(),
      attempt,
      scheduledFor: '2026-12-02T08:00:00.000Z',
      requestedAt: '2026-12-01T09:00:00.000Z',
    },
  );
}

export async function produce(producer: Producer, prefix: string, events: readonly Envelope[]): Promise<void> {
  const byTopic = new Map<string, { key: string; value: string }[]>();
  for (const event of events) {
    const topic = topicName(prefix, event.type === 'ChargeRetryRequested' ? TOPICS.collections : TOPICS.invoices);
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { key: event.accountId, value: JSON.stringify(event) }]);
  }
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
}

export interface DeadLetter {
  value: string;
  headers: Record<string, string>;
}

/**
 * Reads billing.payments (and billing.dead-letter) for the whole test file and keeps every
 * valid event (and every dead letter) it sees: one consumer group join per file.
 */
export class EmittedEvents {
  private consumer?: Consumer;
  readonly all: BillingEvent[] = [];
  readonly deadLetters: DeadLetter[] = [];

  async start(prefix: string): Promise<void> {
    const deadLetterTopic = topicName(prefix, TOPICS.deadLetter);
    this.consumer = testKafka('payments-test-reader').consumer({
      groupId: uniqueName('payments_reader'),
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 200,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [topicName(prefix, TOPICS.payments), deadLetterTopic], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const value = message.value?.toString('utf8') ?? '';
        if (topic === deadLetterTopic) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = v === undefined ? '' : String(v);
          this.deadLetters.push({ value, headers });
          return;
        }
        const parsed = parseEvent(JSON.parse(value));
        if (parsed.ok) this.all.push(parsed.event);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  /** Distinct events (by eventId) about one invoice, optionally of one type. */
  for(invoiceId: string, type?: BillingEvent['type']): BillingEvent[] {
    const seen = new Set<string>();
    return this.all.filter((e) => {
      if ((e.payload as { invoiceId?: string }).invoiceId !== invoiceId || (type && e.type !== type) || seen.has(e.eventId)) return false;
      seen.add(e.eventId);
      return true;
    });
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
