/**
 * Test support for the payments service: event builders, the Stripe sandbox process, a
 * collector of what payments emitted on billing.payments, and the service booted in-process.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { INestApplication } from '@nestjs/common';
import { Admin, Consumer, Producer } from 'kafkajs';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import {
  AccountPaymentMethodChangedV1,
  BillingEvent,
  ChargeRetryRequestedV1,
  CreditNoteIssuedV1,
  CustomerSnapshot,
  Envelope,
  InvoiceCollection,
  InvoiceGeneratedV1,
  TOPICS,
  createEvent,
  parseEvent,
} from '@billing/events';
import { billingTopicConfigs, bootService, dropDatabase, topicName } from '@billing/messaging';
import { DATABASE_SERVER_URL, serviceEnv, testKafka, uniqueName, uniquePrefix } from '@billing/testing';
import { AppModule } from '../src/app.module';
import { loadPaymentsConfig } from '../src/config';
import { paymentsMigrations } from '../src/database';
import { OffSessionCharge } from '../src/payments/application/payment-provider';
import { setupApiDocs } from '../src/payments/infrastructure/http/api-docs';

const WORKSPACE = path.join(__dirname, '../../..');

/** A charge as the sandbox lists it on GET /_sandbox/charges. */
export interface SandboxCharge {
  id: string;
  payment_intent: string;
  amount: number;
  currency: string;
  customer: string | null;
  payment_method: string;
  status: 'succeeded' | 'failed';
  failure_code: string | null;
  decline_code: string | null;
  metadata: Record<string, string>;
  idempotency_key: string | null;
}

/** A refund as the sandbox lists it on GET /_sandbox/refunds. */
export interface SandboxRefund {
  id: string;
  amount: number;
  currency: string;
  payment_intent: string;
  status: 'succeeded' | 'failed';
  failure_reason: string | null;
  metadata: Record<string, string>;
  idempotency_key: string | null;
}

/**
 * The local Stripe-compatible sandbox, run as its own process exactly as `npm run
 * stripe-sandbox` runs it (on a free port), driven through its control endpoints. Apps may not
 * import tools (module boundaries), and a separate process is what the service meets in
 * development anyway.
 */
export class SandboxProcess {
  readonly logs: Record<string, unknown>[] = [];
  stripe!: Stripe;
  port = 0;
  private child?: ChildProcess;

  static async start(): Promise<SandboxProcess> {
    const sandbox = new SandboxProcess();
    await sandbox.spawn();
    return sandbox;
  }

  private spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn('node', ['-r', '@swc-node/register', 'tools/stripe-sandbox/src/main.ts'], {
        cwd: WORKSPACE,
        env: { ...process.env, STRIPE_SANDBOX_PORT: '0', STRIPE_SANDBOX_HOST: '127.0.0.1', LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.child = child;
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      child.once('exit', (code) => reject(new Error(`stripe sandbox exited (${code}): ${stderr}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line);
        } catch {
          return;
        }
        this.logs.push(entry);
        if (entry.msg === 'stripe sandbox listening') {
          this.port = entry.port as number;
          this.stripe = new Stripe('sk_test_sandbox', { host: '127.0.0.1', port: this.port, protocol: 'http', maxNetworkRetries: 0 });
          resolve();
        }
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.removeAllListeners('exit');
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  private async control<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${this.port}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`sandbox ${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Fault switches and webhook target (POST /_sandbox/config). */
  configure(patch: {
    dropAfterChargeRate?: number;
    /** Destroys the connection of answers carrying a refund (the refund is made): a timeout. */
    dropAfterRefundRate?: number;
    /** Every new refund fails with this Stripe failure_reason (a final decline); null: refunds succeed. */
    refundFailureReason?: string | null;
    errorRate?: number;
    latencyMs?: number;
    webhook?: { url: string; secret: string; enabledEvents?: string[] } | null;
    /** Stripe-like limit over every /v1 request (429 beyond it); null lifts it. */
    rateLimit?: { perSecond: number; burst?: number } | null;
  }): Promise<unknown> {
    return this.control('POST', '/_sandbox/config', patch);
  }

  /** Requests and 429s the sandbox answered, in total and for PaymentIntent creation. */
  async stats(): Promise<{ requests: number; rateLimited: number; paymentIntents: { requests: number; rateLimited: number } }> {
    type Counts = { requests: number; rateLimited: number };
    const body = await this.control<{ totals: Counts; endpoints: Record<string, Counts> }>('GET', '/_sandbox/stats');
    const intents = body.endpoints['POST /v1/payment_intents'] ?? { requests: 0, rateLimited: 0 };
    return {
      requests: body.totals.requests,
      rateLimited: body.totals.rateLimited,
      paymentIntents: { requests: intents.requests, rateLimited: intents.rateLimited },
    };
  }

  /** Every charge the sandbox made for one invoice (from the PaymentIntent metadata), oldest first. */
  async chargesFor(invoiceId: string): Promise<SandboxCharge[]> {
    const { data } = await this.control<{ data: SandboxCharge[] }>('GET', '/_sandbox/charges');
    return data.filter((c) => c.metadata.invoice_id === invoiceId);
  }

  /** Every refund the sandbox made (succeeded or failed) for one invoice (from the refund metadata). */
  async refundsFor(invoiceId: string): Promise<SandboxRefund[]> {
    const { data } = await this.control<{ data: SandboxRefund[] }>('GET', '/_sandbox/refunds');
    return data.filter((r) => r.metadata.invoice_id === invoiceId);
  }

  /** Events the sandbox emitted, with their webhook deliveries. */
  async events(): Promise<{ id: string; type: string; delivered: boolean; deliveries: { status: number | null }[] }[]> {
    return (await this.control<{ data: never[] }>('GET', '/_sandbox/events')).data;
  }

  /** Idempotency keys whose requests the sandbox answered as replays (from its request log). */
  replayedKeys(): string[] {
    return this.logs.filter((l) => l.msg === 'request' && l.replayed === true).map((l) => String(l.idempotencyKey));
  }
}

/** A Stripe event for a PaymentIntent as Stripe would send it, and its signature header. */
export function signedPaymentIntentEvent(
  stripe: Stripe,
  type: 'payment_intent.succeeded' | 'payment_intent.payment_failed',
  intent: Stripe.PaymentIntent,
  secret: string,
  { eventId = `evt_test_${randomUUID().replace(/-/g, '')}`, timestamp = Math.floor(Date.now() / 1000) } = {},
): { eventId: string; payload: string; signature: string } {
  const payload = JSON.stringify(
    { id: eventId, object: 'event', api_version: 'sandbox', created: timestamp, data: { object: intent }, livemode: false, type },
    null,
    2,
  );
  return { eventId, payload, signature: stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }) };
}

export interface InvoiceSpec {
  accountId?: string;
  currency?: string;
  totalMinor?: number;
  paymentMethodId?: string | null;
  providerCustomerId?: string | null;
  /** InvoiceGenerated.collection; absent (as on invoices issued before the field) unless given. */
  collection?: InvoiceCollection;
}

export type InvoiceEvent = Envelope & {
  payload: { invoiceId: string; invoiceNumber: string; currency: string; totalMinor: number; customer: CustomerSnapshot };
};

export function invoiceGenerated(spec: InvoiceSpec = {}): InvoiceEvent {
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
      ...(spec.collection === undefined ? {} : { collection: spec.collection }),
    },
  );
}

/** Invoicing's AccountPaymentMethodChanged for one account (billing.invoices, the account's partition). */
export function paymentMethodChanged(
  accountId: string,
  method: { paymentMethodId: string | null; providerCustomerId: string | null; changedAt: string; previousPaymentMethodId?: string | null },
): Envelope {
  return createEvent(
    AccountPaymentMethodChangedV1,
    {
      eventId: randomUUID(),
      occurredAt: method.changedAt,
      producer: 'invoicing',
      accountId,
      correlationId: randomUUID(),
      causationId: null,
    },
    {
      paymentMethodId: method.paymentMethodId,
      providerCustomerId: method.providerCustomerId,
      previousPaymentMethodId: method.previousPaymentMethodId ?? null,
      changedAt: method.changedAt,
    },
  );
}

export function chargeRetryRequested(
  invoice: Envelope & { payload: { invoiceId: string } },
  attempt: number,
  reason?: 'schedule' | 'payment_method_changed' | 'pay_now',
): Envelope {
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
      ...(reason === undefined ? {} : { reason }),
    },
  );
}

/** Invoicing's CreditNoteIssued for (part of) an invoice made by `invoiceGenerated`, one line. */
export function creditNoteIssued(
  invoice: InvoiceEvent,
  spec: { totalMinor: number; paidPartTo?: 'refund' | 'account_credit'; creditedBeforeMinor?: number; kind?: 'credit' | 'void' },
): Envelope & { payload: { creditNoteId: string; creditNoteNumber: string; invoiceId: string } } {
  const creditNoteId = randomUUID();
  const p = invoice.payload;
  return createEvent(
    CreditNoteIssuedV1,
    {
      eventId: randomUUID(),
      occurredAt: '2026-12-03T10:00:00.000Z',
      producer: 'invoicing',
      accountId: invoice.accountId,
      correlationId: randomUUID(),
      causationId: null,
    },
    {
      creditNoteId,
      creditNoteNumber: `CN-2026-12-${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`,
      invoiceId: p.invoiceId,
      invoiceNumber: p.invoiceNumber,
      kind: spec.kind ?? 'credit',
      reason: 'rated twice',
      currency: p.currency as 'USD',
      lines: [{ lineId: 'line-1', description: 'Usage', amountMinor: spec.totalMinor }],
      totalMinor: spec.totalMinor,
      invoiceTotalMinor: p.totalMinor,
      creditedBeforeMinor: spec.creditedBeforeMinor ?? 0,
      paidPartTo: spec.paidPartTo ?? 'refund',
      issuedAt: '2026-12-03T10:00:00.000Z',
      issuedBy: 'finance',
      customer: p.customer,
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

/**
 * The payments service booted in-process on its own database and topic prefix, against the
 * Stripe sandbox (with one customer made in it), with a producer to feed it events and a
 * reader of what it emitted. `label` names the database, the prefix and the Kafka client.
 */
export class PaymentsTestService {
  readonly database: string;
  readonly prefix: string;
  readonly emitted = new EmittedEvents();
  sandbox!: SandboxProcess;
  app!: INestApplication;
  dataSource!: DataSource;
  producer!: Producer;
  customerId!: string;
  /** Further instances of the service in the same consumer groups (`startAnotherInstance`). */
  readonly others: INestApplication[] = [];
  private admin?: Admin;
  private config?: ReturnType<typeof loadPaymentsConfig>;

  constructor(private readonly label: string) {
    this.database = uniqueName(`payments_${label}`);
    this.prefix = uniquePrefix(`payments_${label}`);
  }

  /** Boots the service; `env` adds to (or overrides) the settings every such test shares. */
  async start(env: Record<string, string>): Promise<this> {
    const kafka = testKafka(`payments-${this.label}-test`);
    this.sandbox = await SandboxProcess.start();
    this.customerId = (await this.sandbox.stripe.customers.create({ email: 'ada@example.com' })).id;
    const config = loadPaymentsConfig({
      ...serviceEnv(),
      DATABASE_NAME: this.database,
      TOPIC_PREFIX: this.prefix,
      TOPIC_PARTITIONS: '2',
      HTTP_PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      STRIPE_API_PORT: String(this.sandbox.port),
      STRIPE_MAX_NETWORK_RETRIES: '0',
      STRIPE_TIMEOUT_MS: '5000',
      ...env,
    });
    this.config = config;
    const { app, runtime } = await this.boot();
    this.app = app;
    this.dataSource = runtime.dataSource;
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.admin = kafka.admin();
    await this.admin.connect();
    await this.emitted.start(this.prefix);
    return this;
  }

  private boot() {
    const config = this.config!;
    return bootService({
      config,
      migrations: paymentsMigrations,
      module: (rt) => AppModule.forRoot(rt, config),
      configure: (a) => setupApiDocs(a),
    });
  }

  /** One more instance of the service: same database, topics and consumer groups. */
  async startAnotherInstance(): Promise<INestApplication> {
    const { app } = await this.boot();
    this.others.push(app);
    return app;
  }

  /** Stops whatever `start` got to, deletes the topics and drops the database. */
  async stop(): Promise<void> {
    await Promise.all([this.emitted.stop(), this.app?.close(), ...this.others.map((a) => a.close())]);
    await this.producer?.disconnect();
    await this.admin
      ?.deleteTopics({ topics: billingTopicConfigs({ prefix: this.prefix, partitions: 2 }).map((t) => t.topic) })
      .catch(() => undefined);
    await this.admin?.disconnect();
    await this.sandbox?.stop();
    await dropDatabase(DATABASE_SERVER_URL, this.database);
  }
}

/** The payments service as a real child process (apps/payments/src/main.ts), as an e2e test kills and restarts it. */
export interface RunningPayments {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

export function spawnPayments(
  { database, prefix, sandboxPort }: { database: string; prefix: string; sandboxPort: number },
  extraEnv: Record<string, string>,
): RunningPayments {
  let output = '';
  const child = spawn('node', ['-r', '@swc-node/register', 'apps/payments/src/main.ts'], {
    cwd: WORKSPACE,
    env: {
      ...process.env,
      ...serviceEnv(),
      DATABASE_NAME: database,
      TOPIC_PREFIX: prefix,
      TOPIC_PARTITIONS: '2',
      HTTP_PORT: '0',
      LOG_LEVEL: 'warn',
      STRIPE_API_PORT: String(sandboxPort),
      STRIPE_MAX_NETWORK_RETRIES: '0',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => output };
}

/** How a process started with PAYMENTS_CRASH_AFTER_PROVIDER_CALL ended; fails if it did not within a minute. */
export async function crashOf(running: RunningPayments, timeoutMs = 60_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    running.exited,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the process did not crash:\n${running.output()}`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A first-attempt off-session charge of a new invoice with the sandbox's succeeding card. */
export function offSessionCharge(currency: string, amount: number, accountId = 'acct-provider'): OffSessionCharge {
  const invoiceId = randomUUID();
  return {
    idempotencyKey: `invoice:${invoiceId}:attempt:1`,
    amount,
    currency,
    customerId: null,
    paymentMethodId: 'pm_card_visa',
    metadata: { invoice_id: invoiceId, account_id: accountId, attempt: '1' },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
