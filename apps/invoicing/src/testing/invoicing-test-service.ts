/**
 * Test support for invoicing integration tests: boots the real service in-process on its own
 * database and topic prefix, talks to it over HTTP, produces events onto its topics.
 */
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { BillingEvent, EventMeta, createEvent, TOPICS } from '@billing/events';
import {
  Clock,
  ServiceRuntime,
  billingTopicConfigs,
  bootService,
  dropDatabase,
  hashToken,
  topicName,
} from '@billing/messaging';
import { DATABASE_SERVER_URL, KAFKA_BROKERS, testKafka, uniqueName, uniquePrefix, waitFor } from '@billing/testing';
import { AppModule } from '../app.module';
import { loadInvoicingConfig } from '../config';
import { invoicingMigrations } from '../database';
import { setupApiDocs } from '../invoicing/infrastructure/http/api-docs';

export const TOKENS = {
  operator: 'operator-token-for-tests',
  finance: 'finance-token-for-tests',
  admin: 'admin-token-for-tests',
};

export const AUTH_TOKENS = [
  `operator:sha256=${hashToken(TOKENS.operator)}`,
  `finance:sha256=${hashToken(TOKENS.finance)}`,
  `admin:sha256=${hashToken(TOKENS.admin)}`,
].join(',');

export interface Deployment {
  database: string;
  prefix: string;
}

export function newDeployment(label: string): Deployment {
  return { database: uniqueName(label), prefix: uniquePrefix(label) };
}

/** Environment shared by in-process and spawned instances of one test deployment. */
export function testEnv(deployment: Deployment, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: DATABASE_SERVER_URL,
    DATABASE_NAME: deployment.database,
    KAFKA_BROKERS: KAFKA_BROKERS.join(','),
    TOPIC_PREFIX: deployment.prefix,
    TOPIC_PARTITIONS: '3',
    HTTP_PORT: '0',
    AUTH_TOKENS,
    LOG_LEVEL: 'silent',
    OUTBOX_POLL_MS: '20',
    MONTH_CLOSE_POLL_MS: '50',
    MONTH_CLOSE_SCHEDULE_ENABLED: 'false',
    ...extra,
  };
}

export interface RunningInvoicing {
  app: INestApplication;
  runtime: ServiceRuntime;
  url: string;
  close(): Promise<void>;
}

export async function startInvoicing(deployment: Deployment, clock?: Clock, extra: Record<string, string> = {}): Promise<RunningInvoicing> {
  const config = loadInvoicingConfig(testEnv(deployment, extra));
  const { app, runtime } = await bootService({
    config,
    migrations: invoicingMigrations,
    module: (r) => AppModule.forRoot(r, config),
    configure: (app) => setupApiDocs(app),
    clock,
  });
  const address = app.getHttpServer().address() as { port: number };
  return { app, runtime, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

/**
 * One in-process invoicing instance for a whole describe block, on its own deployment. Read
 * `url` and `runtime` inside hooks and tests only: the instance exists from `beforeAll` on.
 */
export class InvoicingSuite {
  readonly deployment: Deployment;
  private running?: RunningInvoicing;

  constructor(label: string) {
    this.deployment = newDeployment(label);
  }

  get url(): string {
    return this.instance().url;
  }

  get runtime(): ServiceRuntime {
    return this.instance().runtime;
  }

  async start(clock?: Clock, extra: Record<string, string> = {}): Promise<void> {
    this.running = await startInvoicing(this.deployment, clock, extra);
  }

  /** Closes the instance (if it started) and removes the deployment. */
  async stop(): Promise<void> {
    await this.running?.close();
    await removeDeployment(this.deployment);
  }

  /** Creates an account (the `account()` defaults with `overrides`) and returns its id. */
  async createAccount(overrides: Record<string, unknown> = {}): Promise<string> {
    return (await api(this.url, 'POST', '/v1/accounts', account(overrides))).body.accountId;
  }

  /** Requests the month close of `period`, waits until the run completed, and returns its id. */
  async closeMonth(period: string): Promise<string> {
    const run = await api(this.url, 'POST', '/v1/month-closes', { period });
    if (run.status !== 202) throw new Error(`month close of ${period} refused: ${run.status} ${JSON.stringify(run.body)}`);
    await waitFor(
      async () => (await api(this.url, 'GET', `/v1/month-closes/${run.body.runId}`, undefined, TOKENS.finance)).body.status === 'completed',
      { what: `the ${period} month close to complete` },
    );
    return run.body.runId;
  }

  private instance(): RunningInvoicing {
    if (!this.running) throw new Error('invoicing is not started yet: use it inside hooks and tests');
    return this.running;
  }
}

/** Boots invoicing before the enclosing describe block's tests and removes it after them. */
export function invoicingForSuite(label: string, clock?: Clock, extra: Record<string, string> = {}): InvoicingSuite {
  const suite = new InvoicingSuite(label);
  beforeAll(() => suite.start(clock, extra));
  afterAll(() => suite.stop());
  return suite;
}

/** Deletes the deployment's topics and database. */
export async function removeDeployment(deployment: Deployment): Promise<void> {
  const admin = testKafka('invoicing-cleanup').admin();
  await admin.connect();
  await admin
    .deleteTopics({ topics: billingTopicConfigs({ prefix: deployment.prefix, partitions: 1 }).map((t) => t.topic) })
    .catch(() => undefined);
  await admin.disconnect();
  await dropDatabase(DATABASE_SERVER_URL, deployment.database);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON bodies
export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/** A JSON call to a running instance with a bearer token (none when `token` is null) and any further `headers`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON bodies
export async function api<T = any>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TOKENS.operator,
  headers: Record<string, string> = {},
): Promise<ApiResponse<T> & { headers: Headers }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export function account(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Ada Lovelace',
    billingEmail: 'ada@example.com',
    currency: 'USD',
    timeZone: 'America/Los_Angeles',
    locale: 'en-US',
    providerCustomerId: 'cus_123',
    paymentMethodId: 'pm_card_visa',
    ...overrides,
  };
}

export function meta(accountId: string, overrides: Partial<EventMeta> = {}): EventMeta {
  return {
    eventId: randomUUID(),
    occurredAt: '2026-12-01T00:00:00.000Z',
    producer: 'test',
    accountId,
    correlationId: randomUUID(),
    causationId: null,
    ...overrides,
  };
}

/** Produces envelopes onto their contract topic under the deployment's prefix (key = accountId). */
export async function produce(deployment: Deployment, topic: (typeof TOPICS)[keyof typeof TOPICS], events: readonly BillingEvent[] | readonly ReturnType<typeof createEvent>[]): Promise<void> {
  const producer = testKafka('invoicing-test-producer').producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({
      topic: topicName(deployment.prefix, topic),
      acks: -1,
      messages: events.map((e) => ({ key: e.accountId, value: JSON.stringify(e) })),
    });
  } finally {
    await producer.disconnect();
  }
}
