import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { INestApplication } from '@nestjs/common';
import { Admin, Producer } from 'kafkajs';
import request from 'supertest';
import {
  AccountHoldPlacedV1,
  ChargeFailedV1,
  ChargeSkippedV1,
  ChargeSucceededV1,
  EmailSentV1,
  Envelope,
  InvoiceGeneratedV1,
  TOPICS,
  UsageRecordedV1,
  createEvent,
} from '@billing/events';
import { ManualClock, ServiceRuntime, billingTopicConfigs, dropDatabase, topicName } from '@billing/messaging';
import { DATABASE_SERVER_URL, testKafka, waitFor } from '@billing/testing';
import { DUE_AT, ISSUED_AT, PERIOD, Produced, Scenario, buildScenario } from '../../test/month-close-scenario';
import { PARTITIONS, projectionCaughtUp, reportingDeployment, startReporting } from '../../test/reporting-test-service';
import { ProjectorSupervisor } from './application/project-events/projector-supervisor';

/** A strict RFC 4180 reader: the CSV must open as a table. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) throw new Error('CSV does not end with CRLF');
  return rows;
}

function asRecords(rows: string[][]): Record<string, string>[] {
  const [header, ...body] = rows;
  for (const r of body) expect(r).toHaveLength(header.length);
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

/** The month-close figures of corrections in a period without any. */
const uncorrected = (invoicedMinor: number) => ({
  creditNotes: 0,
  creditedMinor: 0,
  invoicedNetMinor: invoicedMinor,
  refundedMinor: 0,
  refundPendingMinor: 0,
  refundFailedMinor: 0,
  accountCreditGrantedMinor: 0,
  creditAwaitingSettlementMinor: 0,
});

describe('finance reports projected from the ledger (real Kafka and PostgreSQL)', () => {
  const { tokens, database, prefix, env } = reportingDeployment('reporting');
  const FINANCE_TOKEN = tokens.finance;
  const ADMIN_TOKEN = tokens.admin;
  const clock = new ManualClock('2026-12-20T00:00:00.000Z');
  const kafka = testKafka('reporting-test');
  let app: INestApplication;
  let runtime: ServiceRuntime;
  let producer: Producer;
  let admin: Admin;
  let scenario: Scenario;

  const http = () => request(app.getHttpServer());
  const get = (url: string, token = FINANCE_TOKEN) => http().get(url).set('Authorization', `Bearer ${token}`);

  async function produce(items: Produced[]): Promise<void> {
    for (const { topic, event } of items) {
      await producer.send({
        topic: topicName(prefix, topic),
        acks: -1,
        messages: [{ key: event.accountId, value: JSON.stringify(event) }],
      });
    }
  }

  const waitForProjection = () => waitFor(() => projectionCaughtUp(runtime, admin, prefix), { what: 'the projector to reach the end of every ledger topic' });

  /** Every report, as JSON, for comparing the projection before and after a rebuild. */
  async function allReports(): Promise<Record<string, unknown>> {
    const urls = [
      `/v1/reports/month-close/${PERIOD}`,
      `/v1/reports/revenue?from=2026-01&to=2026-12&groupBy=currency`,
      `/v1/reports/revenue?from=2026-01&to=2026-12&groupBy=product`,
      `/v1/reports/revenue?from=2026-01&to=2026-12&groupBy=period`,
      `/v1/reports/ar-aging?asOf=2026-12-10`,
      `/v1/reports/ar-aging?asOf=2026-12-20`,
      `/v1/reports/ar-aging?asOf=2027-03-31`,
      `/v1/reports/delinquent-accounts`,
      `/v1/reports/accounts/acct-usd/ledger`,
      `/v1/reports/accounts/acct-jpy/ledger`,
      `/v1/reports/accounts/acct-kwd/ledger`,
      `/v1/reports/accounts/acct-zero/ledger`,
      `/v1/reports/reconciliation?period=${PERIOD}`,
    ];
    const out: Record<string, unknown> = {};
    for (const url of urls) {
      const response = await get(url).expect(200);
      out[url] = response.body;
    }
    return out;
  }

  beforeAll(async () => {
    ({ admin, producer, app, runtime } = await startReporting(kafka, env, clock));
    scenario = buildScenario();
    await produce(scenario.produced);
    await waitFor(
      async () => {
        const [{ count }] = await runtime.dataSource.query(`SELECT count(*)::int AS count FROM inbox WHERE consumer = 'projector'`);
        return count === scenario.uniqueEventIds.size;
      },
      { what: 'every scenario event in the projector inbox' },
    );
    await waitForProjection();
  });

  afterAll(async () => {
    await app?.close();
    await producer?.disconnect();
    await admin
      ?.deleteTopics({ topics: billingTopicConfigs({ prefix, partitions: PARTITIONS }).map((t) => t.topic) })
      .catch(() => undefined);
    await admin?.disconnect();
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  it('reports the month close per currency to the minor unit, with its run, emails and holds', async () => {
    const { body } = await get(`/v1/reports/month-close/${PERIOD}`).expect(200);
    expect(body).toEqual({
      period: PERIOD,
      currencies: [
        {
          currency: 'JPY',
          invoices: 1,
          invoicedMinor: 4_980,
          ...uncorrected(4_980),
          collectedMinor: 4_980,
          collectedCardMinor: 4_980,
          collectedOfflineMinor: 0,
          carriedForwardMinor: 0,
          failedMinor: 0, // declined once, then collected by the retry
          failedInvoices: 0,
          outstandingMinor: 0,
          zeroTotalInvoices: 0,
          accountsInvoiced: 1,
          accountsOnHold: 0, // the hold was released
          accountsPutOnHold: 1,
          emailsSent: 2,
          emailsFailed: 0,
        },
        {
          currency: 'KWD',
          invoices: 1,
          invoicedMinor: 7_250,
          ...uncorrected(7_250),
          collectedMinor: 0,
          collectedCardMinor: 0,
          collectedOfflineMinor: 0,
          carriedForwardMinor: 0,
          failedMinor: 7_250,
          failedInvoices: 1,
          outstandingMinor: 7_250,
          zeroTotalInvoices: 0,
          accountsInvoiced: 1,
          accountsOnHold: 0,
          accountsPutOnHold: 0,
          emailsSent: 1,
          emailsFailed: 1,
        },
        {
          currency: 'USD',
          invoices: 2,
          invoicedMinor: 12_345,
          ...uncorrected(12_345),
          collectedMinor: 12_345,
          collectedCardMinor: 12_345,
          collectedOfflineMinor: 0,
          carriedForwardMinor: 0,
          failedMinor: 0,
          failedInvoices: 0,
          outstandingMinor: 0,
          zeroTotalInvoices: 1,
          accountsInvoiced: 2,
          accountsOnHold: 0,
          accountsPutOnHold: 0,
          emailsSent: 2,
          emailsFailed: 0,
        },
      ],
      emails: {
        sent: 7,
        failed: 1,
        byTemplate: [
          { template: 'account-on-hold', sent: 1, failed: 0 },
          { template: 'hold-released', sent: 1, failed: 0 },
          { template: 'invoice', sent: 4, failed: 0 },
          { template: 'payment-failed', sent: 1, failed: 1 },
        ],
      },
      runs: [
        {
          runId: scenario.runId,
          status: 'completed',
          requestedAt: '2026-12-01T00:00:00.000Z',
          requestedBy: 'scheduler',
          startedAt: '2026-12-01T00:00:05.000Z',
          completedAt: '2026-12-01T00:02:05.000Z',
          durationMs: 120_000,
          accountsInScope: 4,
          invoiced: 4,
          zeroTotal: 1,
          failed: 0,
        },
      ],
      failedAccounts: 0,
      failures: [],
      creditNotesIssued: [],
    });
  });

  it('reports revenue per currency, per product (credits as their own row) and per period', async () => {
    const byCurrency = await get('/v1/reports/revenue?from=2026-11&to=2026-11').expect(200);
    expect(byCurrency.body).toEqual({
      from: '2026-11',
      to: '2026-11',
      groupBy: 'currency',
      rows: [
        { currency: 'JPY', invoices: 1, amountMinor: 4_980, creditedMinor: 0, netAmountMinor: 4_980, subtotalMinor: 4_980, creditAppliedMinor: 0, collectedMinor: 4_980, outstandingMinor: 0 },
        { currency: 'KWD', invoices: 1, amountMinor: 7_250, creditedMinor: 0, netAmountMinor: 7_250, subtotalMinor: 7_250, creditAppliedMinor: 0, collectedMinor: 0, outstandingMinor: 7_250 },
        { currency: 'USD', invoices: 2, amountMinor: 12_345, creditedMinor: 0, netAmountMinor: 12_345, subtotalMinor: 13_845, creditAppliedMinor: 1_500, collectedMinor: 12_345, outstandingMinor: 0 },
      ],
      totals: [
        { currency: 'JPY', invoicedMinor: 4_980, carriedInMinor: 0, creditedMinor: 0 },
        { currency: 'KWD', invoicedMinor: 7_250, carriedInMinor: 0, creditedMinor: 0 },
        { currency: 'USD', invoicedMinor: 12_345, carriedInMinor: 0, creditedMinor: 0 },
      ],
    });

    const byProduct = await get('/v1/reports/revenue?from=2026-01&to=2026-12&groupBy=product').expect(200);
    expect(byProduct.body.rows).toEqual([
      { currency: 'JPY', sku: 'server-hour', invoices: 1, quantity: '30', amountMinor: 3_000 },
      { currency: 'JPY', sku: 'storage-gb', invoices: 1, quantity: '99', amountMinor: 1_980 },
      { currency: 'KWD', sku: 'server-hour', invoices: 1, quantity: '29', amountMinor: 7_250 },
      { currency: 'USD', sku: 'server-hour', invoices: 1, quantity: '100', amountMinor: 10_000 },
      { currency: 'USD', sku: 'storage-gb', invoices: 1, quantity: '284.5', amountMinor: 2_845 },
      { currency: 'USD', sku: 'support-plan', invoices: 1, quantity: '1', amountMinor: 1_000 },
      { currency: 'USD', sku: '(credit applied)', invoices: 2, quantity: null, amountMinor: -1_500 },
    ]);

    const byPeriod = await get('/v1/reports/revenue?from=2026-10&to=2026-12&groupBy=period').expect(200);
    expect(byPeriod.body.rows.map((r: Record<string, unknown>) => [r.period, r.currency, r.amountMinor])).toEqual([
      ['2026-11', 'JPY', 4_980],
      ['2026-11', 'KWD', 7_250],
      ['2026-11', 'USD', 12_345],
    ]);

    const empty = await get('/v1/reports/revenue?from=2025-01&to=2025-12').expect(200);
    expect(empty.body.rows).toEqual([]);
  });

  it('ages receivables at the end of the asOf day, counting only payments received by then', async () => {
    const aging = async (asOf: string) => (await get(`/v1/reports/ar-aging?asOf=${asOf}`).expect(200)).body;
    const bucket = (currency: string, values: Partial<Record<string, number>>, invoices = 1) => ({
      currency,
      current: 0,
      days1To30: 0,
      days31To60: 0,
      days61To90: 0,
      over90: 0,
      ...values,
      totalMinor: Object.values(values).reduce((s, v) => s! + v!, 0),
      invoices,
    });

    expect(await aging('2026-11-30')).toEqual({ asOf: '2026-11-30', cutoff: '2026-12-01T00:00:00.000Z', currencies: [] });
    // JPY was collected on 2026-12-18, so it is still owed on 2026-12-10; nothing is due yet.
    expect((await aging('2026-12-10')).currencies).toEqual([bucket('JPY', { current: 4_980 }), bucket('KWD', { current: 7_250 })]);
    // Due 2026-12-15T01:00Z; at the end of 2026-12-20 the KWD invoice is 6 days past due.
    expect((await aging('2026-12-20')).currencies).toEqual([bucket('KWD', { days1To30: 7_250 })]);
    expect((await aging('2027-01-20')).currencies).toEqual([bucket('KWD', { days31To60: 7_250 })]);
    expect((await aging('2027-02-20')).currencies).toEqual([bucket('KWD', { days61To90: 7_250 })]);
    expect((await aging('2027-03-31')).currencies).toEqual([bucket('KWD', { over90: 7_250 })]);
  });

  it('lists the delinquent account with its amount, days past due and hold status', async () => {
    const { body } = await get('/v1/reports/delinquent-accounts').expect(200);
    expect(body).toEqual({
      asOf: '2026-12-20T00:00:00.000Z',
      items: [
        {
          accountId: 'acct-kwd',
          currency: 'KWD',
          unpaidInvoices: 1,
          amountMinor: 7_250,
          oldestDueAt: DUE_AT,
          daysPastDue: 5,
          declinedInvoices: 1,
          onHold: false,
          holdId: null,
          holdPlacedAt: null,
          holdReason: null,
        },
      ],
      nextCursor: null,
    });
  });

  it("shows every invoice, charge attempt, email and hold of an account's ledger in order", async () => {
    const { body } = await get('/v1/reports/accounts/acct-jpy/ledger').expect(200);
    expect(body.accountId).toBe('acct-jpy');
    expect(body.nextCursor).toBeNull();
    expect(
      body.items.map((e: Record<string, unknown>) => [e.position, e.occurredAt, e.type, e.amountMinor, e.currency, (e.detail as Record<string, unknown>).template ?? null]),
    ).toEqual([
      [1, ISSUED_AT, 'InvoiceGenerated', 4_980, 'JPY', null],
      [2, '2026-12-01T00:03:10.000Z', 'ChargeFailed', 4_980, 'JPY', null],
      [3, '2026-12-01T00:05:00.000Z', 'EmailSent', null, null, 'invoice'],
      [4, '2026-12-01T00:06:00.000Z', 'EmailSent', null, null, 'payment-failed'],
      [5, '2026-12-01T00:07:00.000Z', 'AccountHoldPlaced', null, null, null],
      [6, '2026-12-01T00:07:30.000Z', 'ChargeRetryRequested', null, null, null],
      [7, '2026-12-01T00:08:00.000Z', 'EmailSent', null, null, 'account-on-hold'],
      [8, '2026-12-18T09:00:00.000Z', 'ChargeSucceeded', 4_980, 'JPY', null],
      [9, '2026-12-18T09:01:00.000Z', 'AccountHoldReleased', null, null, null],
      [10, '2026-12-18T09:02:00.000Z', 'EmailSent', null, null, 'hold-released'],
    ]);
    expect(body.items[1].detail).toEqual({ outcome: 'failed', attempt: 1, code: 'card_declined', declineCode: 'insufficient_funds', retryable: true });

    // Pages follow the same order.
    const first = await get('/v1/reports/accounts/acct-jpy/ledger?limit=4').expect(200);
    expect(first.body.items.map((e: { position: number }) => e.position)).toEqual([1, 2, 3, 4]);
    const second = await get(`/v1/reports/accounts/acct-jpy/ledger?limit=4&cursor=${first.body.nextCursor}`).expect(200);
    expect(second.body.items.map((e: { position: number }) => e.position)).toEqual([5, 6, 7, 8]);
    const third = await get(`/v1/reports/accounts/acct-jpy/ledger?limit=4&cursor=${second.body.nextCursor}`).expect(200);
    expect(third.body.items.map((e: { position: number }) => e.position)).toEqual([9, 10]);
    expect(third.body.nextCursor).toBeNull();
  });

  it('finds nothing to reconcile after a clean month close', async () => {
    const { body } = await get(`/v1/reports/reconciliation?period=${PERIOD}`).expect(200);
    expect(body).toEqual({
      period: PERIOD,
      clean: true,
      counts: {
        invoicesWithoutChargeOutcome: 0,
        chargesWithoutInvoice: 0,
        invoicesWithoutInvoiceEmail: 0,
        holdsWithNothingUnpaid: 0,
        invoicesWhoseLinesDoNotAddUp: 0,
        totalsThatDoNotAddUp: 0,
      },
      invoicesWithoutChargeOutcome: [],
      chargesWithoutInvoice: [],
      invoicesWithoutInvoiceEmail: [],
      holdsWithNothingUnpaid: [],
      invoicesWhoseLinesDoNotAddUp: [],
      totalsThatDoNotAddUp: [],
    });
  });

  it('counts an event delivered twice once, and a fact re-emitted under a new event id once', async () => {
    const before = await allReports();
    const [{ count: entriesBefore }] = await runtime.dataSource.query('SELECT count(*)::int AS count FROM projection_events');

    const usdInvoice = scenario.invoices[0];
    const reissuedPayment = { ...scenario.usdPaid, eventId: randomUUID() } as Envelope;
    await produce([
      { topic: TOPICS.payments, event: scenario.usdPaid },
      { topic: TOPICS.payments, event: scenario.jpyDeclined },
      { topic: TOPICS.invoices, event: usdInvoice },
      { topic: TOPICS.payments, event: reissuedPayment },
    ]);
    await waitFor(
      async () => {
        const [{ count }] = await runtime.dataSource.query(`SELECT count(*)::int AS count FROM inbox WHERE event_id = $1`, [reissuedPayment.eventId]);
        return count === 1;
      },
      { what: 'the re-emitted payment to be handled' },
    );
    await waitForProjection();

    expect(await allReports()).toEqual(before);
    const [{ count: entriesAfter }] = await runtime.dataSource.query('SELECT count(*)::int AS count FROM projection_events');
    expect(entriesAfter).toBe(entriesBefore);
    const [{ count: attempts }] = await runtime.dataSource.query(`SELECT count(*)::int AS count FROM charge_attempts WHERE invoice_id = $1`, [scenario.ids.usd]);
    expect(attempts).toBe(1);
  });

  it('refuses requests without a token (401), a rebuild with a finance token (403) and a bad period (400 naming it)', async () => {
    await http().get(`/v1/reports/month-close/${PERIOD}`).expect(401);
    await http().get('/v1/reports/delinquent-accounts').set('Authorization', 'Bearer not-a-known-token').expect(401);
    await http().post('/v1/admin/rebuild').expect(401);
    const forbidden = await http().post('/v1/admin/rebuild').set('Authorization', `Bearer ${FINANCE_TOKEN}`).expect(403);
    expect(forbidden.body.message).toMatch(/admin/);

    const badQuery = await get('/v1/reports/reconciliation?period=2026-13').expect(400);
    expect(badQuery.body.message).toMatch(/period/);
    expect(badQuery.body.fields).toEqual(['query.period']);
    const badPath = await get('/v1/reports/month-close/2026-13').expect(400);
    expect(badPath.body.fields).toEqual(['params.period']);
    const badRange = await get('/v1/reports/revenue?from=2026-12&to=2026-01').expect(400);
    expect(badRange.body.fields).toEqual(['query.to']);
    const badDate = await get('/v1/reports/ar-aging?asOf=2026-02-30').expect(400);
    expect(badDate.body.fields).toEqual(['query.asOf']);
    const badGrouping = await get('/v1/reports/revenue?from=2026-01&to=2026-02&groupBy=customer').expect(400);
    expect(badGrouping.body.fields).toEqual(['query.groupBy']);
    const badCursor = await get('/v1/reports/delinquent-accounts?cursor=bm9wZQ').expect(400);
    expect(badCursor.body.fields).toEqual(['query.cursor']);

    // The API documentation is public.
    await http().get('/docs').expect(200);
    const docs = await http().get('/docs-json').expect(200);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/reports/month-close/{period}',
        '/v1/reports/revenue',
        '/v1/reports/ar-aging',
        '/v1/reports/delinquent-accounts',
        '/v1/reports/accounts/{id}/ledger',
        '/v1/reports/reconciliation',
        '/v1/admin/rebuild',
      ]),
    );
  });

  it('serves every report as CSV that opens as a table with a header row', async () => {
    const monthClose = await get(`/v1/reports/month-close/${PERIOD}`).set('Accept', 'text/csv').expect(200);
    expect(monthClose.headers['content-type']).toMatch(/^text\/csv/);
    const records = asRecords(parseCsv(monthClose.text));
    expect(records.map((r) => [r.currency, r.invoiced_minor, r.collected_minor, r.failed_minor, r.outstanding_minor, r.run_duration_ms])).toEqual([
      ['JPY', '4980', '4980', '0', '0', '120000'],
      ['KWD', '7250', '0', '7250', '7250', '120000'],
      ['USD', '12345', '12345', '0', '0', '120000'],
    ]);

    // Details hold commas and quotes: they come back intact.
    const ledger = await get('/v1/reports/accounts/acct-kwd/ledger?format=csv').expect(200);
    const ledgerRows = asRecords(parseCsv(ledger.text));
    expect(ledgerRows.map((r) => r.type)).toEqual(['InvoiceGenerated', 'ChargeFailed', 'EmailSent', 'EmailFailed']);
    expect(JSON.parse(ledgerRows[3].detail)).toEqual({
      template: 'payment-failed',
      status: 'failed',
      subjectId: scenario.ids.kwd,
      reason: '550 5.1.1 mailbox unavailable',
      smtpCode: 550,
    });

    for (const url of [
      '/v1/reports/revenue?from=2026-11&to=2026-11&groupBy=product&format=csv',
      '/v1/reports/ar-aging?asOf=2026-12-20&format=csv',
      '/v1/reports/delinquent-accounts?format=csv',
      `/v1/reports/reconciliation?period=${PERIOD}&format=csv`,
    ]) {
      const response = await get(url).expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/csv/);
      const rows = parseCsv(response.text);
      expect(rows.length).toBeGreaterThanOrEqual(1);
      asRecords(rows);
    }
    const aging = asRecords(parseCsv((await get('/v1/reports/ar-aging?asOf=2026-12-20&format=csv').expect(200)).text));
    expect(aging).toEqual([
      { as_of: '2026-12-20', currency: 'KWD', current_minor: '0', days_1_30_minor: '7250', days_31_60_minor: '0', days_61_90_minor: '0', over_90_minor: '0', total_minor: '7250', invoices: '1' },
    ]);
    const reconciliation = parseCsv((await get(`/v1/reports/reconciliation?period=${PERIOD}&format=csv`).expect(200)).text);
    expect(reconciliation).toEqual([['period', 'check', 'invoice_id', 'invoice_number', 'account_id', 'hold_id', 'currency', 'amount_minor', 'detail']]);
  });

  it('rebuilds the projection under a fresh consumer group and serves identical reports', async () => {
    const before = await allReports();
    const started = await http().post('/v1/admin/rebuild').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(202);
    expect(started.body).toMatchObject({ generation: 2, groupId: `${prefix}reporting.projector.g2` });
    expect(started.body.behind).toBeGreaterThan(0);

    await waitFor(async () => (await get('/v1/admin/projection').expect(200)).body.state === 'live', { what: 'the replay to catch up' });
    expect(await allReports()).toEqual(before);
  });

  it('rebuilds from the command line while the service runs, and the service follows the new generation', async () => {
    const before = await allReports();
    const { stdout } = await promisify(execFile)('node', ['-r', '@swc-node/register', 'apps/reporting/src/cli/rebuild.ts'], {
      cwd: path.join(__dirname, '../../../..'),
      env: { ...process.env, ...env },
    });
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ event: 'rebuild-started', generation: 3 });
    expect(lines[lines.length - 1]).toMatchObject({ event: 'rebuild-completed', generation: 3 });

    expect(await allReports()).toEqual(before);
    const status = await get('/v1/admin/projection').expect(200);
    expect(status.body).toMatchObject({ generation: 3, state: 'live', behind: 0 });

    // The running service switched to the new generation and keeps projecting live events.
    await waitFor(async () => app.get(ProjectorSupervisor).generation === 3, { what: 'the service to follow generation 3' });
    const usage = createEvent(UsageRecordedV1, { ...scenario.meta('acct-usd', '2026-12-19T10:00:00.000Z', 'usage-api') }, {
      usageId: 'u-after-rebuild',
      sku: 'server-hour',
      resourceId: 'srv-1',
      quantity: '1',
      occurredAt: '2026-12-19T10:00:00.000Z',
    });
    await produce([{ topic: TOPICS.usage, event: usage }]);
    await waitFor(
      async () => (await runtime.dataSource.query('SELECT 1 FROM projection_events WHERE event_id = $1', [usage.eventId])).length === 1,
      { what: 'a live event projected under generation 3' },
    );
  });

  it('keeps a JPY and a KWD invoice skipped for manual collection outstanding, and reconciles them', async () => {
    const meta = (accountId: string, at: string) => ({ eventId: randomUUID(), occurredAt: at, producer: 'test', accountId, correlationId: 'manual', causationId: null });
    // one unit past Stripe's eight-digit maximum: ¥100,000,000 and 100,000.000 KWD
    const cases = [
      { accountId: 'acct-big-jpy', currency: 'JPY', number: 'INV-2026-09-0001' },
      { accountId: 'acct-big-kwd', currency: 'KWD', number: 'INV-2026-09-0002' },
    ].map((c) => ({ ...c, invoiceId: randomUUID(), totalMinor: 100_000_000 }));
    await produce(
      cases.flatMap((c) => [
        {
          topic: TOPICS.invoices,
          event: createEvent(InvoiceGeneratedV1, meta(c.accountId, '2026-10-01T00:01:00.000Z'), {
            ...scenario.invoices[0].payload,
            invoiceId: c.invoiceId,
            invoiceNumber: c.number,
            runId: randomUUID(),
            period: '2026-09',
            periodStart: '2026-09-01T00:00:00.000Z',
            periodEnd: '2026-10-01T00:00:00.000Z',
            currency: c.currency as 'JPY',
            subtotalMinor: c.totalMinor,
            creditAppliedMinor: 0,
            totalMinor: c.totalMinor,
            issuedAt: '2026-10-01T00:01:00.000Z',
            dueAt: '2026-10-15T00:00:00.000Z',
            lines: [{ ...scenario.invoices[0].payload.lines[0], lineId: `${c.number}-0`, amountMinor: c.totalMinor }],
            requiresCharge: true,
            collection: 'manual_above_provider_maximum',
          }),
        },
        {
          topic: TOPICS.payments,
          event: createEvent(ChargeSkippedV1, meta(c.accountId, '2026-10-01T00:02:00.000Z'), {
            invoiceId: c.invoiceId,
            invoiceNumber: c.number,
            reason: 'manual_collection',
            amountMinor: c.totalMinor,
            currency: c.currency as 'JPY',
            skippedAt: '2026-10-01T00:02:00.000Z',
          }),
        },
        {
          topic: TOPICS.notifications,
          event: createEvent(EmailSentV1, meta(c.accountId, '2026-10-01T00:03:00.000Z'), {
            emailKey: `invoice:${c.invoiceId}`,
            template: 'invoice',
            subjectId: c.invoiceId,
            invoiceId: c.invoiceId,
            messageId: `<${c.invoiceId}@billing.test>`,
            sentAt: '2026-10-01T00:03:00.000Z',
          }),
        },
      ]),
    );
    await waitForProjection();

    const balances = await runtime.dataSource.query(
      `SELECT currency, total_minor::int AS total, collected_minor::int AS collected, outstanding_minor::int AS outstanding, outcomes
       FROM invoice_balances WHERE period = '2026-09' ORDER BY currency`,
    );
    expect(balances).toEqual([
      { currency: 'JPY', total: 100_000_000, collected: 0, outstanding: 100_000_000, outcomes: 1 },
      { currency: 'KWD', total: 100_000_000, collected: 0, outstanding: 100_000_000, outcomes: 1 },
    ]);
    const { body } = await get('/v1/reports/reconciliation?period=2026-09').expect(200);
    expect(body.counts).toMatchObject({ invoicesWithoutChargeOutcome: 0, invoicesWithoutInvoiceEmail: 0, invoicesWhoseLinesDoNotAddUp: 0, totalsThatDoNotAddUp: 0 });
    const ledger = await get('/v1/reports/accounts/acct-big-kwd/ledger').expect(200);
    expect(JSON.stringify(ledger.body)).toContain('manual_collection');
  });

  it('lists what does not reconcile: missing outcomes and emails, orphan charges, idle holds, bad totals', async () => {
    const meta = (accountId: string, at: string) => ({
      eventId: randomUUID(),
      occurredAt: at,
      producer: 'test',
      accountId,
      correlationId: 'manual',
      causationId: null,
    });
    const octoberInvoice = (invoiceId: string, number: string, lines: number[], subtotalMinor: number) =>
      createEvent(InvoiceGeneratedV1, meta('acct-eur', '2026-11-01T00:01:00.000Z'), {
        ...scenario.invoices[0].payload,
        invoiceId,
        invoiceNumber: number,
        runId: randomUUID(),
        period: '2026-10',
        periodStart: '2026-10-01T00:00:00.000Z',
        periodEnd: '2026-11-01T00:00:00.000Z',
        currency: 'EUR',
        subtotalMinor,
        creditAppliedMinor: 0,
        totalMinor: subtotalMinor,
        issuedAt: '2026-11-01T00:01:00.000Z',
        dueAt: '2026-11-15T00:00:00.000Z',
        lines: lines.map((amountMinor, i) => ({ ...scenario.invoices[0].payload.lines[0], lineId: `${number}-${i}`, amountMinor })),
        requiresCharge: true,
      });
    const silent = randomUUID();
    const overpaid = randomUUID();
    const orphan = randomUUID();
    await produce([
      { topic: TOPICS.invoices, event: octoberInvoice(silent, 'INV-2026-10-0001', [600, 300], 1_000) },
      { topic: TOPICS.invoices, event: octoberInvoice(overpaid, 'INV-2026-10-0002', [2_000], 2_000) },
      {
        topic: TOPICS.payments,
        event: createEvent(ChargeSucceededV1, meta('acct-eur', '2026-11-02T00:00:00.000Z'), {
          invoiceId: overpaid,
          invoiceNumber: 'INV-2026-10-0002',
          attempt: 1,
          amountMinor: 2_500,
          currency: 'EUR',
          providerPaymentIntentId: 'pi_over',
          providerChargeId: null,
          succeededAt: '2026-11-02T00:00:00.000Z',
        }),
      },
      {
        topic: TOPICS.payments,
        event: createEvent(ChargeFailedV1, meta('acct-ghost', '2026-11-02T00:00:00.000Z'), {
          ...scenario.jpyDeclined.payload,
          invoiceId: orphan,
          invoiceNumber: 'INV-GHOST',
        }),
      },
      {
        topic: TOPICS.notifications,
        event: createEvent(EmailSentV1, meta('acct-eur', '2026-11-01T00:05:00.000Z'), {
          emailKey: `invoice:${overpaid}`,
          template: 'invoice',
          subjectId: overpaid,
          invoiceId: overpaid,
          messageId: '<x@billing.test>',
          sentAt: '2026-11-01T00:05:00.000Z',
        }),
      },
      {
        topic: TOPICS.collections,
        event: createEvent(AccountHoldPlacedV1, meta('acct-usd', '2026-12-19T00:00:00.000Z'), {
          holdId: randomUUID(),
          reason: 'retries_exhausted',
          unpaidInvoices: [{ invoiceId: scenario.ids.usd, invoiceNumber: 'INV-2026-11-0001', amountMinor: 12_345, currency: 'USD' }],
          placedAt: '2026-12-19T00:00:00.000Z',
          customer: scenario.customers['acct-usd'],
        }),
      },
    ]);
    await waitFor(
      async () => (await get('/v1/reports/reconciliation?period=2026-10').expect(200)).body.counts.holdsWithNothingUnpaid === 1,
      { what: 'the idle hold' },
    );
    await waitForProjection();

    const { body } = await get('/v1/reports/reconciliation?period=2026-10').expect(200);
    expect(body.clean).toBe(false);
    expect(body.counts).toEqual({
      invoicesWithoutChargeOutcome: 1,
      chargesWithoutInvoice: 1,
      invoicesWithoutInvoiceEmail: 1,
      holdsWithNothingUnpaid: 1,
      invoicesWhoseLinesDoNotAddUp: 1,
      totalsThatDoNotAddUp: 1,
    });
    expect(body.invoicesWithoutChargeOutcome.map((f: { invoiceId: string }) => f.invoiceId)).toEqual([silent]);
    expect(body.invoicesWithoutInvoiceEmail.map((f: { invoiceId: string }) => f.invoiceId)).toEqual([silent]);
    expect(body.chargesWithoutInvoice).toEqual([
      expect.objectContaining({ invoiceId: orphan, outcome: 'failed', attempt: 1, amountMinor: 4_980, currency: 'JPY', accountId: 'acct-ghost' }),
    ]);
    expect(body.holdsWithNothingUnpaid).toEqual([expect.objectContaining({ accountId: 'acct-usd', reason: 'retries_exhausted' })]);
    expect(body.invoicesWhoseLinesDoNotAddUp).toEqual([expect.objectContaining({ invoiceId: silent, subtotalMinor: 1_000, linesMinor: 900 })]);
    expect(body.totalsThatDoNotAddUp).toEqual([
      {
        currency: 'EUR',
        invoicedMinor: 3_000,
        carriedForwardMinor: 0,
        creditedMinor: 0,
        collectedMinor: 2_500,
        refundedMinor: 0,
        refundPendingMinor: 0,
        refundFailedMinor: 0,
        accountCreditGrantedMinor: 0,
        creditAwaitingSettlementMinor: 0,
        outstandingMinor: 1_000,
        differenceMinor: -500,
      },
    ]);

    const csv = asRecords(parseCsv((await get('/v1/reports/reconciliation?period=2026-10&format=csv').expect(200)).text));
    expect(csv.map((r) => r.check)).toEqual([
      'invoice_without_charge_outcome',
      'charge_without_invoice',
      'invoice_without_invoice_email',
      'hold_with_nothing_unpaid',
      'invoice_lines_do_not_add_up',
      'totals_do_not_add_up',
    ]);
  });
});
