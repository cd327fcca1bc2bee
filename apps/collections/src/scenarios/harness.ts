/**
 * Test-only helpers for the collections scenarios (not imported by production code): boot the
 * real service against the real Kafka broker and PostgreSQL, play invoicing (InvoiceGenerated,
 * AccountPaymentMethodChanged onto billing.invoices) and payments (charge outcomes, skips,
 * offline payments onto billing.payments), and watch billing.collections.
 */
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Consumer, Producer } from 'kafkajs';
import { AddressInfo } from 'node:net';
import {
  AccountPaymentMethodChangedV1,
  BillingEvent,
  ChargeFailedV1,
  ChargeSkippedV1,
  ChargeSucceededV1,
  CreditNoteSettledV1,
  InvoiceGeneratedV1,
  PaymentRecordedV1,
  Envelope,
  EventOf,
  EventType,
  TOPICS,
  TopicName,
  createEvent,
  parseEvent,
} from '@billing/events';
import { Clock, ServiceRuntime, billingTopicConfigs, bootService, ensureTopics, hashToken, topicName } from '@billing/messaging';
import { serviceEnv, testKafka, uniqueName, waitFor } from '@billing/testing';
import { AppModule } from '../app.module';
import { loadCollectionsConfig } from '../config';
import { collectionsMigrations } from '../database';
import { DunningScheduler } from '../collections/infrastructure/dunning-scheduler';
import { setupApiDocs } from '../collections/infrastructure/http/api-docs';

export const TOKENS = {
  admin: 'collections-test-admin-token',
  finance: 'collections-test-finance-token',
  operator: 'collections-test-operator-token',
} as const;

export const AUTH_TOKENS = [
  `admin:sha256=${hashToken(TOKENS.admin)}`,
  `finance:sha256=${hashToken(TOKENS.finance)}`,
  `operator:sha256=${hashToken(TOKENS.operator)}`,
].join(',');

export function collectionsEnv(database: string, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...serviceEnv(),
    DATABASE_NAME: database,
    TOPIC_PREFIX: prefix,
    TOPIC_PARTITIONS: '3',
    HTTP_PORT: '0',
    AUTH_TOKENS,
    LOG_LEVEL: 'silent',
    OUTBOX_POLL_MS: '20',
    SCHEDULER_POLL_MS: '50',
    ...extra,
  };
}

/**
 * Creates the file's topics before any service boots, retrying while the shared broker is busy
 * (a freshly created topic can briefly answer "does not host this topic-partition").
 */
export async function prepareTopics(prefix: string, partitions = 3): Promise<void> {
  const admin = testKafka('collections-test-admin').admin();
  await admin.connect();
  try {
    await waitFor(
      async () => {
        await ensureTopics(admin, billingTopicConfigs({ prefix, partitions }));
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the test topics' },
    );
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(prefix: string, partitions = 3): Promise<void> {
  const admin = testKafka('collections-test-admin').admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: billingTopicConfigs({ prefix, partitions }).map((t) => t.topic) }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

export interface RunningCollections {
  app: INestApplication;
  runtime: ServiceRuntime;
  scheduler: DunningScheduler;
  baseUrl: string;
  close(): Promise<void>;
}

export async function bootCollections(env: Record<string, string>, clock?: Clock): Promise<RunningCollections> {
  const config = loadCollectionsConfig(env);
  const { app, runtime } = await bootService({
    config,
    migrations: collectionsMigrations,
    module: (r) => AppModule.forRoot(r, config),
    configure: (a) => setupApiDocs(a),
    clock,
  });
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    runtime,
    scheduler: app.get(DunningScheduler),
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => app.close(),
  };
}

const CUSTOMER = { name: 'Ada Lovelace', email: 'ada@example.com', timeZone: 'Europe/Budapest', locale: 'hu-HU' };

export interface InvoiceRef {
  accountId: string;
  invoiceId: string;
  invoiceNumber: string;
  amountMinor: number;
  currency: 'USD' | 'HUF' | 'JPY' | 'EUR' | 'KWD';
}

export function newInvoice(
  accountId = `acct-${randomUUID().slice(0, 8)}`,
  amountMinor = 1999,
  currency: InvoiceRef['currency'] = 'USD',
): InvoiceRef {
  return { accountId, invoiceId: randomUUID(), invoiceNumber: `INV-${randomUUID().slice(0, 6)}`, amountMinor, currency };
}

const RUN_ID = 'month-close:2026-11';

export function chargeFailed(
  invoice: InvoiceRef,
  attempt: number,
  options: { retryable?: boolean; failedAt?: string; correlationId?: string; paymentMethodId?: string } = {},
): EventOf<'ChargeFailed'> {
  const failedAt = options.failedAt ?? new Date().toISOString();
  const retryable = options.retryable ?? true;
  return createEvent(
    ChargeFailedV1,
    {
      eventId: randomUUID(),
      occurredAt: failedAt,
      producer: 'payments',
      accountId: invoice.accountId,
      correlationId: options.correlationId ?? RUN_ID,
      causationId: null,
    },
    {
      invoiceId: invoice.invoiceId,
      invoiceNumber: invoice.invoiceNumber,
      attempt,
      amountMinor: invoice.amountMinor,
      currency: invoice.currency,
      errorCode: retryable ? 'card_declined' : 'authentication_required',
      declineCode: retryable ? 'insufficient_funds' : null,
      message: retryable ? 'Your card has insufficient funds.' : 'This payment requires authentication.',
      retryable,
      ...(options.paymentMethodId === undefined ? {} : { paymentMethodId: options.paymentMethodId }),
      providerPaymentIntentId: `pi_${invoice.invoiceId.slice(0, 8)}_${attempt}`,
      failedAt,
      dueAt: '2026-12-15T08:00:00.000Z',
      customer: CUSTOMER,
    },
  ) as EventOf<'ChargeFailed'>;
}

export function chargeSucceeded(invoice: InvoiceRef, attempt: number): EventOf<'ChargeSucceeded'> {
  const succeededAt = new Date().toISOString();
  return createEvent(
    ChargeSucceededV1,
    {
      eventId: randomUUID(),
      occurredAt: succeededAt,
      producer: 'payments',
      accountId: invoice.accountId,
      correlationId: RUN_ID,
      causationId: null,
    },
    {
      invoiceId: invoice.invoiceId,
      invoiceNumber: invoice.invoiceNumber,
      attempt,
      amountMinor: invoice.amountMinor,
      currency: invoice.currency,
      providerPaymentIntentId: `pi_${invoice.invoiceId.slice(0, 8)}_${attempt}`,
      providerChargeId: `ch_${invoice.invoiceId.slice(0, 8)}`,
      succeededAt,
    },
  ) as EventOf<'ChargeSucceeded'>;
}

function meta(accountId: string, occurredAt: string, producer: string) {
  return { eventId: randomUUID(), occurredAt, producer, accountId, correlationId: RUN_ID, causationId: null };
}

export function invoiceGenerated(
  invoice: InvoiceRef,
  options: { paymentMethodId?: string | null; collection?: 'charge_automatically' | 'no_payment_method' } = {},
): EventOf<'InvoiceGenerated'> {
  const issuedAt = new Date().toISOString();
  const paymentMethodId = options.paymentMethodId === undefined ? 'pm_card_chargeCustomerFail' : options.paymentMethodId;
  return createEvent(InvoiceGeneratedV1, meta(invoice.accountId, issuedAt, 'invoicing'), {
    invoiceId: invoice.invoiceId,
    invoiceNumber: invoice.invoiceNumber,
    runId: randomUUID(),
    period: '2026-11',
    periodStart: '2026-11-01T00:00:00.000Z',
    periodEnd: '2026-12-01T00:00:00.000Z',
    currency: invoice.currency,
    subtotalMinor: invoice.amountMinor,
    creditAppliedMinor: 0,
    totalMinor: invoice.amountMinor,
    issuedAt,
    dueAt: '2026-12-15T08:00:00.000Z',
    lines: [],
    customer: CUSTOMER,
    payment: { providerCustomerId: paymentMethodId === null ? null : 'cus_test', paymentMethodId },
    requiresCharge: invoice.amountMinor > 0,
    collection: options.collection ?? (paymentMethodId === null ? 'no_payment_method' : 'charge_automatically'),
    carriedForwardMinor: 0,
  }) as EventOf<'InvoiceGenerated'>;
}

export function paymentMethodChanged(accountId: string, paymentMethodId: string | null): EventOf<'AccountPaymentMethodChanged'> {
  const changedAt = new Date().toISOString();
  // An account update is no month-close run: its own correlation id.
  const provenance = { ...meta(accountId, changedAt, 'invoicing'), correlationId: `account-update:${randomUUID()}` };
  return createEvent(AccountPaymentMethodChangedV1, provenance, {
    paymentMethodId,
    providerCustomerId: 'cus_test',
    previousPaymentMethodId: 'pm_card_chargeCustomerFail',
    changedAt,
  }) as EventOf<'AccountPaymentMethodChanged'>;
}

export function chargeSkipped(invoice: InvoiceRef, reason: 'no_payment_method' | 'below_provider_minimum'): EventOf<'ChargeSkipped'> {
  const skippedAt = new Date().toISOString();
  return createEvent(ChargeSkippedV1, meta(invoice.accountId, skippedAt, 'payments'), {
    invoiceId: invoice.invoiceId,
    invoiceNumber: invoice.invoiceNumber,
    reason,
    amountMinor: invoice.amountMinor,
    currency: invoice.currency,
    skippedAt,
  }) as EventOf<'ChargeSkipped'>;
}

export function paymentRecorded(invoice: InvoiceRef, amountMinor: number, outstandingAfterMinor: number): EventOf<'PaymentRecorded'> {
  const recordedAt = new Date().toISOString();
  return createEvent(PaymentRecordedV1, meta(invoice.accountId, recordedAt, 'payments'), {
    invoiceId: invoice.invoiceId,
    invoiceNumber: invoice.invoiceNumber,
    paymentId: randomUUID(),
    method: 'bank_transfer',
    amountMinor,
    currency: invoice.currency,
    reference: `transfer ${invoice.invoiceNumber}`,
    receivedAt: recordedAt,
    recordedAt,
    recordedBy: 'finance@example.com',
    outstandingAfterMinor,
  }) as EventOf<'PaymentRecorded'>;
}

/** Payments settled a credit note of the invoice: `appliedMinor` off what it owed, `outstandingAfterMinor` left. */
export function creditNoteSettled(invoice: InvoiceRef, appliedMinor: number, outstandingAfterMinor: number): EventOf<'CreditNoteSettled'> {
  const settledAt = new Date().toISOString();
  return createEvent(CreditNoteSettledV1, meta(invoice.accountId, settledAt, 'payments'), {
    creditNoteId: randomUUID(),
    creditNoteNumber: 'CN-2026-12-000001',
    invoiceId: invoice.invoiceId,
    invoiceNumber: invoice.invoiceNumber,
    currency: invoice.currency,
    totalMinor: appliedMinor,
    appliedToOutstandingMinor: appliedMinor,
    refundMinor: 0,
    accountCreditMinor: 0,
    outstandingAfterMinor,
    settledAt,
  }) as EventOf<'CreditNoteSettled'>;
}

/** Produces events onto `${prefix}<topic>`, keyed by account, as the service that owns the topic would. */
export class TopicProducer {
  private readonly producer: Producer = testKafka('collections-test-producer').producer({ idempotent: true, maxInFlightRequests: 1 });
  constructor(
    private readonly prefix: string,
    private readonly topic: TopicName,
  ) {}

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async produce(...events: Envelope[]): Promise<void> {
    await this.producer.send({
      topic: topicName(this.prefix, this.topic),
      acks: -1,
      messages: events.map((e) => ({ key: e.accountId, value: JSON.stringify(e) })),
    });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

/**
 * Reads `${prefix}billing.collections` from the beginning for the whole test file with one
 * consumer (a consumer group join per assertion would be slow) and lets a test react to events,
 * e.g. play a card that always declines.
 */
export class CollectionsTopicWatcher {
  readonly events: BillingEvent[] = [];
  private readonly consumer: Consumer = testKafka('collections-test-watcher').consumer({
    groupId: uniqueName('watcher'),
    allowAutoTopicCreation: false,
  });
  private readonly reactions: ((event: BillingEvent) => Promise<void>)[] = [];

  constructor(private readonly prefix: string) {}

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: topicName(this.prefix, TOPICS.collections), fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const parsed = parseEvent(JSON.parse(message.value!.toString('utf8')));
        if (!parsed.ok) throw new Error(`collections emitted an invalid event: ${parsed.message}`);
        this.events.push(parsed.event);
        for (const react of this.reactions) await react(parsed.event);
      },
    });
  }

  onEvent(react: (event: BillingEvent) => Promise<void>): void {
    this.reactions.push(react);
  }

  of<T extends EventType>(type: T, accountId: string): EventOf<T>[] {
    return this.events.filter((e): e is EventOf<T> => e.type === type && e.accountId === accountId);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** Produces onto `${prefix}billing.payments`, as the payments service would. */
export class PaymentsTopic extends TopicProducer {
  constructor(prefix: string) {
    super(prefix, TOPICS.payments);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
