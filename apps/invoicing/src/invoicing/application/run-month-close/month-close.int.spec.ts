import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { EventOf, MonthCloseRequestedV1, TOPICS, createEvent, monthCloseKey, parseEvent } from '@billing/events';
import { ManualClock, topicName } from '@billing/messaging';
import { ReadMessage, readTopic, waitFor } from '@billing/testing';
import { TOKENS, api, invoicingForSuite, meta, produce } from '../../../testing/invoicing-test-service';

/**
 * A November 2026 month close, with the clock at 2026-12-03 (the month has ended everywhere),
 * for a USD account in Los Angeles, a JPY account in Tokyo, a KWD account in Budapest and a
 * EUR account without usage.
 */
describe('month close (real PostgreSQL and Kafka)', () => {
  const clock = new ManualClock('2026-11-20T00:00:00.000Z');
  const service = invoicingForSuite('invclose', clock, { MONTH_CLOSE_PAGE_SIZE: '2' });
  const { deployment } = service;
  const ids = { la: '', tokyo: '', budapest: '', idle: '' };
  /** InvoiceGenerated events read back from the topic by the first test. */
  let invoiceEvents: EventOf<'InvoiceGenerated'>[] = [];

  const usage = (accountId: string, sku: string, quantity: string, occurredAt: string, resourceId = 'r-1') => ({
    usageId: `u-${randomUUID()}`,
    accountId,
    sku,
    resourceId,
    quantity,
    occurredAt,
  });

  beforeAll(async () => {
    ids.la = await service.createAccount({ name: 'LA Corp', currency: 'USD', timeZone: 'America/Los_Angeles' });
    ids.tokyo = await service.createAccount({ name: 'Tokyo KK', currency: 'JPY', timeZone: 'Asia/Tokyo', locale: 'ja-JP', creditBalanceMinor: 1000 });
    ids.budapest = await service.createAccount({ name: 'Budapest Kft', currency: 'KWD', timeZone: 'Europe/Budapest', locale: 'hu-HU', creditBalanceMinor: 500 });
    ids.idle = await service.createAccount({ name: 'Idle GmbH', currency: 'EUR', timeZone: 'Europe/Berlin', locale: 'de-DE' });
    const upload = await api(service.url, 'POST', '/v1/usage', {
      records: [
        // LA: 720 h of a small server (5.3568 USD) capped at its 5.00 monthly price.
        usage(ids.la, 'vm.small', '720', '2026-11-15T12:00:00Z', 'srv-1'),
        // 23:30 on 30 November in Los Angeles is 07:30Z on 1 December: still November's.
        usage(ids.la, 'storage.gb', '10', '2026-12-01T07:30:00Z'),
        // 00:30 on 1 December in Los Angeles: December's.
        usage(ids.la, 'storage.gb', '99', '2026-12-01T08:30:00Z'),
        // Tokyo: 23:30 on 30 November local (14:30Z) is November's, 00:30 on 1 December (15:30Z) is not.
        usage(ids.tokyo, 'seat', '3', '2026-11-30T14:30:00Z'),
        usage(ids.tokyo, 'seat', '50', '2026-11-30T15:30:00Z'),
        // 1,234,567 requests at 0.00006 JPY = 74.07402 JPY -> 74.
        usage(ids.tokyo, 'api.request', '1234567', '2026-11-10T00:00:00Z'),
        // Budapest: 00:30 on 1 November local is 23:30Z on 31 October: November's.
        usage(ids.budapest, 'storage.gb', '3', '2026-10-31T23:30:00Z'),
        // 50,000 requests at 0.000000123 KWD = 0.00615 KWD -> 10 fils (KWD is collected in tens of fils).
        usage(ids.budapest, 'api.request', '50000', '2026-11-20T00:00:00Z'),
        // 00:30 on 1 December in Budapest: December's.
        usage(ids.budapest, 'storage.gb', '1000', '2026-11-30T23:30:00Z'),
      ],
    });
    expect(upload.body).toMatchObject({ accepted: 9 });
    clock.set('2026-12-03T00:00:00.000Z');
  });

  const invoicesTopic = () => topicName(deployment.prefix, TOPICS.invoices);
  const monthCloseTopic = () => topicName(deployment.prefix, TOPICS.monthClose);
  const parsed = (messages: ReadMessage[]) =>
    messages.map((m) => {
      const result = parseEvent(JSON.parse(m.value!));
      if (!result.ok) throw new Error(`${result.reason}: ${result.message}`);
      return result.event;
    });

  it('issues each invoice once when the month close is requested twice and the request event is redelivered', async () => {
    const first = await api(service.url, 'POST', '/v1/month-closes', { period: '2026-11' });
    expect(first.status).toBe(202);
    const second = await api(service.url, 'POST', '/v1/month-closes', { period: '2026-11' });
    expect(second).toMatchObject({ status: 200, body: { runId: first.body.runId, joined: true } });
    const runId: string = first.body.runId;

    // The request event as the relay published it, delivered again, and a second request with its own run id.
    const [{ envelope: published }] = await service.runtime.dataSource.query(
      `SELECT envelope FROM outbox WHERE event_type = 'MonthCloseRequested'`,
    );
    const another = createEvent(MonthCloseRequestedV1, meta(monthCloseKey('2026-11')), {
      runId: randomUUID(),
      period: '2026-11',
      requestedAt: '2026-12-03T00:00:00.000Z',
      requestedBy: 'second-operator',
    });
    await produce(deployment, TOPICS.monthClose, [published, published, another]);

    const progress = await waitFor(
      async () => {
        const r = await api(service.url, 'GET', `/v1/month-closes/${runId}`, undefined, TOKENS.finance);
        return r.body.status === 'completed' && r.body;
      },
      { what: 'the month close to complete' },
    );
    expect(progress).toMatchObject({
      runId,
      period: '2026-11',
      accountsInScope: 4,
      invoiced: 4,
      zeroTotal: 2,
      remaining: 0,
      waiting: 0,
      waitingUntil: null,
      completedAt: '2026-12-03T00:00:00.000Z',
    });
    await waitFor(
      async () => (await service.runtime.dataSource.query('SELECT 1 FROM inbox WHERE event_id = $1', [another.eventId])).length === 1,
      { what: 'the second request to be consumed' },
    );

    const invoices: { account_id: string; n: number }[] = await service.runtime.dataSource.query(
      `SELECT account_id, count(*)::int AS n FROM invoices WHERE period = '2026-11' GROUP BY account_id`,
    );
    expect(invoices).toHaveLength(4);
    expect(invoices.every((i) => i.n === 1)).toBe(true);
    const runs = await service.runtime.dataSource.query('SELECT run_id FROM month_close_runs');
    expect(runs).toEqual([{ run_id: runId }]);

    const [invoiceMessages, closeMessages] = await Promise.all([
      // billing.invoices also carries each account's AccountPaymentMethodChanged (created with a method)
      readTopic(invoicesTopic(), { until: (m) => m.filter((x) => x.headers['event-type'] === 'InvoiceGenerated').length >= 4, settleMs: 1000 }),
      readTopic(monthCloseTopic(), { until: (m) => m.some((x) => x.headers['event-type'] === 'MonthCloseCompleted'), settleMs: 1000 }),
    ]);
    const events = parsed(invoiceMessages).filter((e): e is EventOf<'InvoiceGenerated'> => e.type === 'InvoiceGenerated');
    expect(events).toHaveLength(4);
    expect(new Set(events.map((e) => e.accountId))).toEqual(new Set(Object.values(ids)));
    invoiceEvents = events;
    const closeEvents = parsed(closeMessages);
    expect(closeEvents.filter((e) => e.type === 'MonthCloseCompleted')).toHaveLength(1);
    expect(closeEvents.find((e) => e.type === 'MonthCloseCompleted')).toMatchObject({
      correlationId: runId,
      accountId: monthCloseKey('2026-11'),
      payload: { runId, accountsInScope: 4, invoiced: 4, zeroTotal: 2 },
    });
  });

  it('publishes InvoiceGenerated snapshots that validate against the contract with exact USD, JPY and KWD totals', async () => {
    const events = invoiceEvents;
    const byAccount = new Map(events.map((e) => [e.accountId, e]));
    const la = byAccount.get(ids.la)!;
    expect(la.payload).toMatchObject({
      period: '2026-11',
      currency: 'USD',
      periodStart: '2026-11-01T07:00:00.000Z',
      periodEnd: '2026-12-01T08:00:00.000Z',
      subtotalMinor: 600,
      creditAppliedMinor: 0,
      totalMinor: 600,
      requiresCharge: true,
      issuedAt: '2026-12-03T00:00:00.000Z',
      dueAt: '2026-12-17T00:00:00.000Z',
      customer: { name: 'LA Corp', email: 'ada@example.com', timeZone: 'America/Los_Angeles', locale: 'en-US' },
      payment: { providerCustomerId: 'cus_123', paymentMethodId: 'pm_card_visa' },
    });
    expect(la.payload.invoiceNumber).toMatch(/^INV-2026-11-\d{6}$/);
    expect(la.payload.lines).toEqual([
      expect.objectContaining({ sku: 'storage.gb', quantity: '10', amountMinor: 100, capped: false, usagePeriod: '2026-11' }),
      expect.objectContaining({ sku: 'vm.small', resourceId: 'srv-1', quantity: '720', unitPrice: '0.00744', amountMinor: 500, capped: true }),
    ]);

    expect(byAccount.get(ids.tokyo)!.payload).toMatchObject({
      currency: 'JPY',
      periodEnd: '2026-11-30T15:00:00.000Z',
      subtotalMinor: 5474,
      creditAppliedMinor: 1000,
      totalMinor: 4474,
      requiresCharge: true,
      lines: [
        expect.objectContaining({ sku: 'api.request', amountMinor: 74 }),
        expect.objectContaining({ sku: 'seat', quantity: '3', amountMinor: 5400 }),
      ],
    });
    // Credit larger than the total: the invoice is zero, the rest of the credit stays on the account.
    expect(byAccount.get(ids.budapest)!.payload).toMatchObject({
      currency: 'KWD',
      periodStart: '2026-10-31T23:00:00.000Z',
      periodEnd: '2026-11-30T23:00:00.000Z',
      subtotalMinor: 100,
      creditAppliedMinor: 100,
      totalMinor: 0,
      requiresCharge: false,
      lines: [
        expect.objectContaining({ sku: 'api.request', amountMinor: 10 }),
        expect.objectContaining({ sku: 'storage.gb', amountMinor: 90 }),
      ],
    });
    expect(byAccount.get(ids.idle)!.payload).toMatchObject({ currency: 'EUR', lines: [], subtotalMinor: 0, totalMinor: 0, requiresCharge: false });
    for (const e of events) expect(e).toMatchObject({ producer: 'invoicing', correlationId: e.payload.runId });

    expect((await api(service.url, 'GET', `/v1/accounts/${ids.budapest}`)).body.creditBalanceMinor).toBe(400);
    expect((await api(service.url, 'GET', `/v1/accounts/${ids.tokyo}`)).body.creditBalanceMinor).toBe(0);
    const unbilled: { quantity: string }[] = await service.runtime.dataSource.query(
      'SELECT quantity::text AS quantity FROM usage_records WHERE billed_invoice_id IS NULL ORDER BY usage_records.quantity',
    );
    expect(unbilled.map((u) => u.quantity)).toEqual(['50', '99', '1000']);
  });

  it('lets the CLI request a period that already ran, which joins the existing run', async () => {
    const [{ run_id }] = await service.runtime.dataSource.query(`SELECT run_id FROM month_close_runs WHERE period = '2026-11'`);
    const { stdout } = await promisify(execFile)(
      'node',
      ['-r', '@swc-node/register', 'apps/invoicing/src/cli/month-close.ts', '--period', '2026-11', '--wait', '--poll-ms', '100'],
      { cwd: path.resolve(__dirname, '../../../../../..'), env: { ...process.env, INVOICING_URL: service.url, BILLING_TOKEN: TOKENS.operator } },
    );
    const [first, last] = [stdout.trim().split('\n')[0], stdout.trim().split('\n').pop()!].map((l) => JSON.parse(l));
    expect(first).toMatchObject({ runId: run_id, status: 'joined' });
    expect(last).toMatchObject({ runId: run_id, status: 'completed', invoiced: 4 });
    expect((await service.runtime.dataSource.query(`SELECT count(*)::int AS n FROM invoices`))[0].n).toBe(4);
  });

  it('refuses to request a month that has not ended anywhere and names a bad period', async () => {
    expect((await api(service.url, 'POST', '/v1/month-closes', { period: '2027-01' })).status).toBe(422);
    const bad = await api(service.url, 'POST', '/v1/month-closes', { period: '2026-13' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('body.period');
  });
});
