import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Admin, Producer } from 'kafkajs';
import request from 'supertest';
import { ManualClock, ServiceRuntime, topicName } from '@billing/messaging';
import { testKafka, waitFor } from '@billing/testing';
import { CORRECTIONS_PERIOD as PERIOD, INVOICE_TOTAL, buildCorrections } from '../../test/corrections-scenario';
import { Produced } from '../../test/month-close-scenario';
import { projectionCaughtUp, removeDeployment, reportingDeployment, startReporting } from '../../test/reporting-test-service';
import { PROJECTION_TABLES } from './infrastructure/projection-state';

/**
 * Issue 19, finance sees it: credit notes, voids, their settlement and refunds projected from real
 * Kafka into PostgreSQL, in JPY and KWD (see test/corrections-scenario.ts). After every stage the
 * reconciliation is empty: invoiced − carried forward − credited = collected − (refunded + refund
 * pending + refund failed + account credit granted + credit awaiting settlement) + outstanding.
 */
describe('corrections in the finance reports (real Kafka and PostgreSQL)', () => {
  const { tokens, database, prefix, env } = reportingDeployment('repcorr');
  const kafka = testKafka('reporting-corrections-test');
  const markets = [buildCorrections('JPY', 1), buildCorrections('KWD', 101)];
  let app: INestApplication;
  let runtime: ServiceRuntime;
  let producer: Producer;
  let admin: Admin;

  const get = (url: string, token = tokens.finance) => request(app.getHttpServer()).get(url).set('Authorization', `Bearer ${token}`);
  const body = async (url: string) => (await get(url).expect(200)).body;
  const waitForProjection = () => waitFor(() => projectionCaughtUp(runtime, admin, prefix), { what: 'the projector to reach the end of every ledger topic' });

  /** Produces in order and waits until the projector has read every ledger topic to its end. */
  async function produce(items: Produced[]): Promise<void> {
    for (const { topic, event } of items) {
      await producer.send({ topic: topicName(prefix, topic), acks: -1, messages: [{ key: event.accountId, value: JSON.stringify(event) }] });
    }
    await waitForProjection();
  }
  const stage = (name: keyof (typeof markets)[number]['stages']) => markets.flatMap((m) => m.stages[name]);

  const figures = async () => (await body(`/v1/reports/month-close/${PERIOD}`)).currencies;
  async function expectReconciled(): Promise<void> {
    const reconciliation = await body(`/v1/reports/reconciliation?period=${PERIOD}`);
    expect(reconciliation.totalsThatDoNotAddUp).toEqual([]);
    expect(reconciliation.clean).toBe(true);
  }

  /** Every report and every projection table (rows in a stable order, without arrival sequence numbers). */
  async function snapshot(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    const accounts = markets.flatMap((m) => Object.values(m.accounts));
    for (const url of [
      `/v1/reports/month-close/${PERIOD}`,
      `/v1/reports/month-close/${PERIOD}?format=csv`,
      `/v1/reports/reconciliation?period=${PERIOD}`,
      `/v1/reports/revenue?from=${PERIOD}&to=${PERIOD}&groupBy=product`,
      `/v1/reports/revenue?from=${PERIOD}&to=${PERIOD}&groupBy=currency&format=csv`,
      `/v1/reports/ar-aging?asOf=2026-12-20`,
      `/v1/reports/delinquent-accounts`,
      ...accounts.map((a) => `/v1/reports/accounts/${a}/ledger`),
    ]) {
      const response = await get(url).expect(200);
      out[url] = url.includes('format=csv') ? response.text : response.body;
    }
    for (const table of PROJECTION_TABLES) {
      out[table] = (await runtime.dataSource.query(`SELECT to_jsonb(t) - 'seq' AS row FROM ${table} t ORDER BY (to_jsonb(t) - 'seq')::text`)).map(
        (r: { row: unknown }) => r.row,
      );
    }
    return out;
  }

  beforeAll(async () => {
    ({ admin, producer, app, runtime } = await startReporting(kafka, env, new ManualClock('2026-12-20T00:00:00.000Z')));
    await produce(stage('base'));
  });

  afterAll(async () => {
    await app?.close();
    await producer?.disconnect();
    await admin?.disconnect();
    await removeDeployment(kafka, { prefix, database });
  });

  const six = 6 * INVOICE_TOTAL;
  const credited = 1_000 + INVOICE_TOTAL + 1_001 + 1_001 + INVOICE_TOTAL + 2_000;
  const collected = 3 * INVOICE_TOTAL;
  const corrections = (f: Record<string, number>) =>
    markets.map(({ currency }) =>
      expect.objectContaining({
        currency,
        invoices: 6,
        invoicedMinor: six,
        collectedMinor: collected,
        refundedMinor: 0,
        refundPendingMinor: 0,
        refundFailedMinor: 0,
        accountCreditGrantedMinor: 0,
        creditAwaitingSettlementMinor: 0,
        ...f,
      }),
    );

  it('reconciles the invoices before any correction', async () => {
    await expectReconciled();
    expect(await figures()).toEqual(corrections({ creditNotes: 0, creditedMinor: 0, invoicedNetMinor: six, outstandingMinor: 3 * INVOICE_TOTAL }));
  });

  it('lowers outstanding by an issued credit note at once, and holds a note on collected money as awaiting settlement', async () => {
    await produce(stage('issued'));
    await expectReconciled();
    expect(await figures()).toEqual(
      corrections({
        creditNotes: 6,
        creditedMinor: credited,
        invoicedNetMinor: six - credited,
        // partial: 4,980 − 1,000 still owed; the full credit and the void leave nothing
        outstandingMinor: INVOICE_TOTAL - 1_000,
        failedMinor: INVOICE_TOTAL - 1_000,
        failedInvoices: 1,
        // refund, account credit and failed: the customer gets collected money back, not settled yet
        creditAwaitingSettlementMinor: 1_001 + 1_001 + 2_000,
      }),
    );
  });

  it('counts a settled refund as pending and account credit as granted until the provider answers', async () => {
    await produce(stage('settled'));
    await expectReconciled();
    expect(await figures()).toEqual(
      corrections({
        creditedMinor: credited,
        outstandingMinor: INVOICE_TOTAL - 1_000,
        refundPendingMinor: 1_001 + 2_000,
        accountCreditGrantedMinor: 1_001,
      }),
    );
  });

  it('reports a succeeded refund as refunded and a failed one as still owed to the customer, and reconciles to the minor unit', async () => {
    await produce(stage('refunds'));
    await expectReconciled();
    const report = await figures();
    expect(report).toEqual(
      corrections({
        creditedMinor: credited,
        invoicedNetMinor: six - credited,
        outstandingMinor: INVOICE_TOTAL - 1_000,
        refundedMinor: 1_001,
        refundFailedMinor: 2_000,
        accountCreditGrantedMinor: 1_001,
      }),
    );
    for (const c of report) {
      expect(c.invoicedMinor - c.carriedForwardMinor - c.creditedMinor).toBe(
        c.collectedMinor - c.refundedMinor - c.refundPendingMinor - c.refundFailedMinor - c.accountCreditGrantedMinor - c.creditAwaitingSettlementMinor + c.outstandingMinor,
      );
    }

    // Only the partly credited invoice is still owed; before the credit notes (2026-12-05) all three unpaid ones were.
    const aged = async (asOf: string) => (await body(`/v1/reports/ar-aging?asOf=${asOf}`)).currencies.map((c: Record<string, unknown>) => [c.currency, c.totalMinor, c.invoices]);
    expect(await aged('2026-12-20')).toEqual(markets.map((m) => [m.currency, INVOICE_TOTAL - 1_000, 1]));
    expect(await aged('2026-12-05')).toEqual(markets.map((m) => [m.currency, 3 * INVOICE_TOTAL, 3]));
    const delinquent = await body('/v1/reports/delinquent-accounts');
    expect(delinquent.items.map((d: Record<string, unknown>) => [d.accountId, d.amountMinor])).toEqual(
      markets.map((m) => [m.accounts.partial, INVOICE_TOTAL - 1_000]),
    );
  });

  it('shows revenue gross and net of credit notes, per currency and per product', async () => {
    const byCurrency = await body(`/v1/reports/revenue?from=${PERIOD}&to=${PERIOD}`);
    expect(byCurrency.rows).toEqual(
      markets.map(({ currency }) => expect.objectContaining({ currency, amountMinor: six, creditedMinor: credited, netAmountMinor: six - credited })),
    );
    expect(byCurrency.totals).toEqual(markets.map(({ currency }) => ({ currency, invoicedMinor: six, carriedInMinor: 0, creditedMinor: credited })));
    const byProduct = await body(`/v1/reports/revenue?from=${PERIOD}&to=${PERIOD}&groupBy=product`);
    for (const { currency } of markets) {
      const rows = byProduct.rows.filter((r: { currency: string }) => r.currency === currency);
      expect(rows).toEqual([
        { currency, sku: 'server-hour', invoices: 6, quantity: '6', amountMinor: 6 * 3_000 },
        { currency, sku: 'storage-gb', invoices: 6, quantity: '6', amountMinor: 6 * 1_980 },
        { currency, sku: '(credit notes)', invoices: 6, quantity: null, amountMinor: -credited },
      ]);
      expect(rows.reduce((s: number, r: { amountMinor: number }) => s + r.amountMinor, 0)).toBe(six - credited);
    }
  });

  it("lists credit notes, voids, settlements and refunds on the account's ledger, in JSON and CSV", async () => {
    for (const m of markets) {
      const refund = await body(`/v1/reports/accounts/${m.accounts.refund}/ledger`);
      expect(refund.items.map((e: Record<string, unknown>) => [e.type, e.amountMinor, e.currency])).toEqual([
        ['InvoiceGenerated', INVOICE_TOTAL, m.currency],
        ['ChargeSucceeded', INVOICE_TOTAL, m.currency],
        ['EmailSent', null, null],
        ['CreditNoteIssued', 1_001, m.currency],
        ['CreditNoteSettled', 1_001, m.currency],
        ['RefundSucceeded', 1_001, m.currency],
      ]);
      const note = (m.events.refund.issued.event.payload as { creditNoteNumber: string }).creditNoteNumber;
      expect(refund.items[3].detail).toMatchObject({ creditNoteNumber: note, kind: 'credit', paidPartTo: 'refund', issuedBy: 'finance' });
      expect(refund.items[4].detail).toMatchObject({ creditNoteNumber: note, appliedToOutstandingMinor: 0, refundMinor: 1_001, accountCreditMinor: 0 });
      expect(refund.items[5].detail).toMatchObject({ creditNoteNumber: note, outcome: 'succeeded', providerRefundId: `re_${m.accounts.refund}` });

      const voided = await body(`/v1/reports/accounts/${m.accounts.void}/ledger`);
      expect(voided.items.find((e: { type: string }) => e.type === 'CreditNoteIssued')).toMatchObject({ amountMinor: INVOICE_TOTAL, detail: { kind: 'void', reason: 'void' } });

      const failed = (await get(`/v1/reports/accounts/${m.accounts.failed}/ledger?format=csv`).expect(200)).text.split('\r\n');
      const last = failed.filter((l) => l.includes('RefundFailed'));
      expect(last).toHaveLength(1);
      expect(last[0]).toContain(',2000,');
      expect(last[0]).toContain('""message"":""The charge was disputed, \\""cannot refund\\"".""');
    }
  });

  it('lists the credit notes issued in a month (the ledger view) apart from the period of the invoices they credit', async () => {
    expect((await body(`/v1/reports/month-close/2026-12`)).creditNotesIssued).toEqual(
      markets.map(({ currency }) => ({ currency, creditNotes: 6, creditedMinor: credited })),
    );
    expect((await body(`/v1/reports/month-close/${PERIOD}`)).creditNotesIssued).toEqual([]);
  });

  it('serves the corrections as month-close CSV columns', async () => {
    const [header, ...rows] = (await get(`/v1/reports/month-close/${PERIOD}?format=csv`).expect(200)).text.trimEnd().split('\r\n');
    const columns = header.split(',');
    const pick = (row: string, names: string[]) => names.map((n) => row.split(',')[columns.indexOf(n)]);
    const names = ['currency', 'credit_notes', 'credited_minor', 'invoiced_net_minor', 'refunded_minor', 'refund_pending_minor', 'refund_failed_minor', 'account_credit_granted_minor', 'credit_awaiting_settlement_minor', 'outstanding_minor'];
    expect(rows.map((r) => pick(r, names))).toEqual(
      markets.map((m) => [m.currency, '6', String(credited), String(six - credited), '1001', '0', '2000', '1001', '0', String(INVOICE_TOTAL - 1_000)]),
    );
  });

  it('changes nothing when corrections are delivered twice or re-emitted under a new event id', async () => {
    const before = await snapshot();
    const again = markets.flatMap((m) => [m.events.partial.issued, m.events.refund.settled, m.events.failed.refund!, m.events.void.issued]);
    const reemitted = markets.map((m) => ({ ...m.events.refund.refund!, event: { ...m.events.refund.refund!.event, eventId: randomUUID() } }));
    await produce([...again, ...reemitted]);
    await waitFor(
      async () => (await runtime.dataSource.query(`SELECT 1 FROM inbox WHERE event_id = ANY($1::uuid[])`, [reemitted.map((r) => r.event.eventId)])).length === reemitted.length,
      { what: 'the re-emitted refunds to be handled' },
    );
    expect(await snapshot()).toEqual(before);
  });

  it('adds up when payments settles a credit note before reporting reads the note (another topic)', async () => {
    const late = buildCorrections('KWD', 201, 'late-');
    await produce(late.stages.base);
    const before = (await figures()).find((c: { currency: string }) => c.currency === 'KWD');
    await produce(late.stages.settled);
    await expectReconciled();
    const settledOnly = (await figures()).find((c: { currency: string }) => c.currency === 'KWD');
    expect(settledOnly.creditedMinor - before.creditedMinor).toBe(credited);
    await produce([...late.stages.issued, ...late.stages.refunds]);
    await expectReconciled();
    const after = (await figures()).find((c: { currency: string }) => c.currency === 'KWD');
    expect(after).toMatchObject({ creditNotes: 12, creditedMinor: 2 * credited, refundedMinor: 2 * 1_001, refundFailedMinor: 2 * 2_000 });
  });

  it('rebuilds the same tables and reports by replaying the topics', async () => {
    const before = await snapshot();
    const started = await request(app.getHttpServer()).post('/v1/admin/rebuild').set('Authorization', `Bearer ${tokens.admin}`).expect(202);
    expect(started.body.generation).toBe(2);
    await waitFor(async () => (await body('/v1/admin/projection')).state === 'live', { what: 'the replay to catch up' });
    await waitForProjection();
    const after = await snapshot();
    expect((after.credit_notes as unknown[]).length).toBe(18);
    expect((after.refunds as unknown[]).length).toBe(6);
    expect(after).toEqual(before);
  });
});
