import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Producer } from 'kafkajs';
import request from 'supertest';
import {
  Envelope,
  InvoiceGeneratedV1,
  MonthCloseAccountFailedV1,
  MonthCloseCompletedV1,
  MonthCloseRequestedV1,
  TOPICS,
  TopicName,
  createEvent,
  monthCloseKey,
} from '@billing/events';
import { ServiceRuntime, topicName } from '@billing/messaging';
import { testKafka, waitFor } from '@billing/testing';
import { bootReporting, removeDeployment, reportingDeployment } from '../../../../test/reporting-test-service';

const PERIOD = '2026-11';

/**
 * Issue 13: the finance month-close report lists the accounts a run could not invoice, with
 * their reasons, until the account's invoice of that run arrives; a failure delivered twice (or
 * re-emitted) counts once, and a rebuild by replay lists the same.
 */
describe('month-close failures in the finance report (real Kafka and PostgreSQL)', () => {
  const { tokens, database, prefix, env } = reportingDeployment('repfail');
  const FINANCE_TOKEN = tokens.finance;
  const ADMIN_TOKEN = tokens.admin;
  const kafka = testKafka('reporting-failures-test');
  const runId = randomUUID();
  const accounts = { noPrice: randomUUID(), overflow: randomUUID(), good: randomUUID() };
  let app: INestApplication;
  let runtime: ServiceRuntime;
  let producer: Producer;

  const get = (url: string, token = FINANCE_TOKEN) => request(app.getHttpServer()).get(url).set('Authorization', `Bearer ${token}`);
  const report = async () => (await get(`/v1/reports/month-close/${PERIOD}`).expect(200)).body;
  const meta = (accountId: string, occurredAt: string) => ({ eventId: randomUUID(), occurredAt, producer: 'invoicing', accountId, correlationId: runId, causationId: null });
  const failed = (accountId: string, code: string, reason: string, failedAt: string) =>
    createEvent(MonthCloseAccountFailedV1, meta(accountId, failedAt), { runId, period: PERIOD, accountId, code, reason, failedAt });
  const invoiced = (accountId: string, invoiceNumber: string, issuedAt: string) =>
    createEvent(InvoiceGeneratedV1, meta(accountId, issuedAt), {
      invoiceId: randomUUID(),
      invoiceNumber,
      runId,
      period: PERIOD,
      periodStart: '2026-10-31T15:00:00.000Z',
      periodEnd: '2026-11-30T15:00:00.000Z',
      currency: 'JPY',
      subtotalMinor: 7300,
      creditAppliedMinor: 0,
      totalMinor: 7300,
      issuedAt,
      dueAt: '2026-12-17T00:00:00.000Z',
      lines: [],
      customer: { name: 'Tokyo KK', email: 'kk@example.test', timeZone: 'Asia/Tokyo', locale: 'ja-JP' },
      payment: { providerCustomerId: null, paymentMethodId: null },
      requiresCharge: true,
    });
  const completed = (invoicedCount: number, failedCount: number, completedAt: string) =>
    createEvent(MonthCloseCompletedV1, meta(monthCloseKey(PERIOD), completedAt), {
      runId,
      period: PERIOD,
      accountsInScope: 3,
      invoiced: invoicedCount,
      zeroTotal: 0,
      startedAt: '2026-12-03T00:00:00.000Z',
      completedAt,
      failed: failedCount,
      status: failedCount > 0 ? 'completed_with_failures' : 'completed',
    });

  /** Produces in order and waits until the projector has handled every one of them. */
  async function produce(items: { topic: TopicName; event: Envelope }[]): Promise<void> {
    for (const { topic, event } of items) {
      await producer.send({ topic: topicName(prefix, topic), acks: -1, messages: [{ key: event.accountId, value: JSON.stringify(event) }] });
    }
    const ids = [...new Set(items.map((i) => i.event.eventId))];
    await waitFor(
      async () => (await runtime.dataSource.query(`SELECT 1 FROM inbox WHERE event_id = ANY($1::uuid[])`, [ids])).length === ids.length,
      { what: 'the projector to handle every event' },
    );
  }

  beforeAll(async () => {
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    ({ app, runtime } = await bootReporting(env));
  });

  afterAll(async () => {
    await app?.close();
    await producer?.disconnect();
    await removeDeployment(kafka, { prefix, database });
  });

  it('lists the failed accounts with their reasons and the run as completed_with_failures, counting a redelivered failure once', async () => {
    const noPrice = failed(accounts.noPrice, 'price_missing', 'price_missing: sku=support.plan, currency=JPY', '2026-12-03T00:00:00.000Z');
    await produce([
      {
        topic: TOPICS.monthClose,
        event: createEvent(MonthCloseRequestedV1, meta(monthCloseKey(PERIOD), '2026-12-03T00:00:00.000Z'), {
          runId,
          period: PERIOD,
          requestedAt: '2026-12-03T00:00:00.000Z',
          requestedBy: 'api',
        }),
      },
      { topic: TOPICS.invoices, event: invoiced(accounts.good, 'INV-2026-11-000001', '2026-12-03T00:00:00.000Z') },
      { topic: TOPICS.invoices, event: noPrice },
      { topic: TOPICS.invoices, event: failed(accounts.overflow, 'unexpected_error', 'RangeError: amountMinor must be a safe integer', '2026-12-03T00:00:00.000Z') },
      // Delivered again, and re-emitted under a new event id: the same fact.
      { topic: TOPICS.invoices, event: noPrice },
      { topic: TOPICS.invoices, event: { ...noPrice, eventId: randomUUID() } },
      { topic: TOPICS.monthClose, event: completed(1, 2, '2026-12-03T00:01:00.000Z') },
    ]);

    const body = await report();
    expect(body.failedAccounts).toBe(2);
    expect(body.failures).toEqual(
      [
        { runId, accountId: accounts.noPrice, code: 'price_missing', reason: 'price_missing: sku=support.plan, currency=JPY', failedAt: '2026-12-03T00:00:00.000Z' },
        { runId, accountId: accounts.overflow, code: 'unexpected_error', reason: 'RangeError: amountMinor must be a safe integer', failedAt: '2026-12-03T00:00:00.000Z' },
      ].sort((a, b) => a.accountId.localeCompare(b.accountId)),
    );
    expect(body.runs).toEqual([expect.objectContaining({ runId, status: 'completed_with_failures', invoiced: 1, failed: 2 })]);
    const csv = (await get(`/v1/reports/month-close/${PERIOD}?format=csv`).expect(200)).text.split('\r\n');
    expect(csv[0]).toContain('run_status,failed_accounts');
    // columns after failed_accounts (credit notes, ...) were added later
    expect(csv[1]).toMatch(/,completed_with_failures,2(,|$)/);
  });

  it('drops an account from the list once its invoice of the run arrives, and the run is completed when none is left', async () => {
    await produce([
      { topic: TOPICS.invoices, event: invoiced(accounts.noPrice, 'INV-2026-11-000002', '2026-12-04T00:00:00.000Z') },
      { topic: TOPICS.monthClose, event: completed(2, 1, '2026-12-04T00:00:00.000Z') },
    ]);
    let body = await report();
    expect(body.failures.map((f: { accountId: string }) => f.accountId)).toEqual([accounts.overflow]);
    expect(body.runs).toEqual([expect.objectContaining({ status: 'completed_with_failures', invoiced: 2, failed: 1 })]);

    await produce([
      { topic: TOPICS.invoices, event: invoiced(accounts.overflow, 'INV-2026-11-000003', '2026-12-05T00:00:00.000Z') },
      { topic: TOPICS.monthClose, event: completed(3, 0, '2026-12-05T00:00:00.000Z') },
    ]);
    body = await report();
    expect(body).toMatchObject({ failedAccounts: 0, failures: [] });
    expect(body.runs).toEqual([expect.objectContaining({ status: 'completed', invoiced: 3, failed: 0 })]);
  });

  it('lists the same after a rebuild by replay', async () => {
    const before = await report();
    await request(app.getHttpServer()).post('/v1/admin/rebuild').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(202);
    await waitFor(async () => (await get('/v1/admin/projection').expect(200)).body.state === 'live', { what: 'the replay to catch up' });
    expect(await report()).toEqual(before);
    const [{ count }] = await runtime.dataSource.query(`SELECT count(*)::int AS count FROM month_close_failures`);
    expect(count).toBe(2);
  });
});
