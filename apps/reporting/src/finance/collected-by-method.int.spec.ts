import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Producer } from 'kafkajs';
import request from 'supertest';
import {
  AccountPaymentMethodChangedV1,
  ChargeFailedV1,
  ChargeSkippedV1,
  ChargeSucceededV1,
  EmailSentV1,
  Envelope,
  InvoiceGeneratedV1,
  PayloadOf,
  PaymentRecordedV1,
  TOPICS,
  TopicName,
  createEvent,
} from '@billing/events';
import { ManualClock, ServiceRuntime, topicName } from '@billing/messaging';
import { testKafka, waitFor } from '@billing/testing';
import { bootReporting, removeDeployment, reportingDeployment } from '../../test/reporting-test-service';

/**
 * Issue 12: money comes in by card (ChargeSucceeded) and outside the provider (PaymentRecorded),
 * and a total below the provider minimum is carried to the account's next invoice. Per currency
 * (USD, JPY, KWD) three accounts:
 * - A: October's invoice is below the minimum (skipped, carried); November's invoice bills it again
 *   as a carried_balance line next to its usage and is charged by card;
 * - B: no payment method (skipped), paid in full by bank transfer;
 * - C: the card is declined, a cheque pays part; the rest stays outstanding.
 * The month-close report and reconciliation balance to the minor unit:
 * invoiced − carried forward = card + offline + outstanding.
 */

const OCTOBER = '2026-10';
const NOVEMBER = '2026-11';

type Currency = 'USD' | 'JPY' | 'KWD';
type Customer = PayloadOf<typeof InvoiceGeneratedV1>['customer'];

interface Market {
  currency: Currency;
  customer: Customer;
  /** A's October total, below the provider minimum. */
  below: number;
  /** A's November usage. */
  usage: number;
  /** B's total, paid by bank transfer. */
  transfer: number;
  /** C's total, and the part a cheque paid. */
  declined: number;
  cheque: number;
}

const MARKETS: Market[] = [
  // in the reports' order (by currency)
  {
    currency: 'JPY',
    customer: { name: 'Kenji Sato', email: 'kenji@example.test', timeZone: 'Asia/Tokyo', locale: 'ja-JP' },
    below: 49,
    usage: 5_000,
    transfer: 3_000,
    declined: 4_980,
    cheque: 1_000,
  },
  {
    currency: 'KWD',
    customer: { name: 'Fatima Al Sabah', email: 'fatima@example.test', timeZone: 'Asia/Kuwait', locale: 'ar-KW' },
    below: 100,
    usage: 7_250,
    transfer: 12_500,
    declined: 9_999,
    cheque: 4_000,
  },
  {
    currency: 'USD',
    customer: { name: 'Ada Lovelace', email: 'ada@example.test', timeZone: 'America/New_York', locale: 'en-US' },
    below: 30,
    usage: 10_000,
    transfer: 7_500,
    declined: 12_345,
    cheque: 2_345,
  },
];

const PERIODS = {
  [OCTOBER]: { start: '2026-10-01T00:00:00.000Z', end: '2026-11-01T00:00:00.000Z', issuedAt: '2026-11-01T00:01:00.000Z', dueAt: '2026-11-15T00:00:00.000Z' },
  [NOVEMBER]: { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z', issuedAt: '2026-12-01T00:01:00.000Z', dueAt: '2026-12-15T00:00:00.000Z' },
};

type Line = PayloadOf<typeof InvoiceGeneratedV1>['lines'][number];
const usageLine = (lineId: string, sku: string, amountMinor: number, period: string): Line => ({
  lineId,
  sku,
  description: sku,
  resourceId: null,
  unit: 'unit',
  quantity: '1',
  unitPrice: '1',
  amountMinor,
  capped: false,
  usagePeriod: period,
});

function buildMarket(m: Market) {
  const account = (name: string) => `acct-${name}-${m.currency.toLowerCase()}`;
  const accounts = { a: account('a'), b: account('b'), c: account('c') };
  const runs = { [OCTOBER]: randomUUID(), [NOVEMBER]: randomUUID() };
  const meta = (accountId: string, occurredAt: string, producer: string) => ({
    eventId: randomUUID(),
    occurredAt,
    producer,
    accountId,
    correlationId: runs[NOVEMBER],
    causationId: null,
  });
  const number = (period: string, n: number) => `INV-${period}-${m.currency}-${n}`;
  const invoice = (
    accountId: string,
    period: typeof OCTOBER | typeof NOVEMBER,
    invoiceNumber: string,
    lines: Line[],
    collection: 'charge_automatically' | 'below_provider_minimum' | 'no_payment_method',
  ) => {
    const total = lines.reduce((s, l) => s + l.amountMinor, 0);
    const p = PERIODS[period];
    return createEvent(InvoiceGeneratedV1, meta(accountId, p.issuedAt, 'invoicing'), {
      invoiceId: randomUUID(),
      invoiceNumber,
      runId: runs[period],
      period,
      periodStart: p.start,
      periodEnd: p.end,
      currency: m.currency,
      subtotalMinor: total,
      creditAppliedMinor: 0,
      totalMinor: total,
      issuedAt: p.issuedAt,
      dueAt: p.dueAt,
      lines,
      customer: m.customer,
      payment: { providerCustomerId: `cus_${accountId}`, paymentMethodId: collection === 'no_payment_method' ? null : 'pm_card_visa' },
      requiresCharge: true,
      collection,
      carriedForwardMinor: collection === 'below_provider_minimum' ? total : 0,
    });
  };

  const belowMinimum = invoice(accounts.a, OCTOBER, number(OCTOBER, 1), [usageLine('a1-1', 'server-hour', m.below, OCTOBER)], 'below_provider_minimum');
  const carriedLine: Line = {
    ...usageLine('a2-carried', 'carried-balance', m.below, OCTOBER),
    description: `Balance carried over from ${belowMinimum.payload.invoiceNumber}`,
    kind: 'carried_balance',
    carriedFromInvoiceId: belowMinimum.payload.invoiceId,
    carriedFromInvoiceNumber: belowMinimum.payload.invoiceNumber,
  };
  const carrying = invoice(
    accounts.a,
    NOVEMBER,
    number(NOVEMBER, 1),
    [{ ...usageLine('a2-1', 'server-hour', m.usage, NOVEMBER), kind: 'usage' }, carriedLine],
    'charge_automatically',
  );
  const transfer = invoice(accounts.b, NOVEMBER, number(NOVEMBER, 2), [usageLine('b2-1', 'storage-gb', m.transfer, NOVEMBER)], 'no_payment_method');
  const declined = invoice(accounts.c, NOVEMBER, number(NOVEMBER, 3), [usageLine('c2-1', 'support-plan', m.declined, NOVEMBER)], 'charge_automatically');
  const invoices = [belowMinimum, carrying, transfer, declined];

  const emails = invoices.map((inv) =>
    createEvent(EmailSentV1, meta(inv.accountId, inv.payload.issuedAt, 'notifications'), {
      emailKey: `invoice:${inv.payload.invoiceId}`,
      template: 'invoice',
      subjectId: inv.payload.invoiceId,
      invoiceId: inv.payload.invoiceId,
      messageId: `<${inv.payload.invoiceId}@billing.test>`,
      sentAt: inv.payload.issuedAt,
    }),
  );

  const skipped = (inv: typeof belowMinimum, reason: 'below_provider_minimum' | 'no_payment_method') =>
    createEvent(ChargeSkippedV1, meta(inv.accountId, inv.payload.issuedAt, 'payments'), {
      invoiceId: inv.payload.invoiceId,
      invoiceNumber: inv.payload.invoiceNumber,
      reason,
      amountMinor: inv.payload.totalMinor,
      currency: m.currency,
      skippedAt: inv.payload.issuedAt,
    });
  const belowMinimumSkipped = skipped(belowMinimum, 'below_provider_minimum');
  const recorded = (inv: typeof belowMinimum, method: 'bank_transfer' | 'cheque', amountMinor: number, reference: string) =>
    createEvent(PaymentRecordedV1, meta(inv.accountId, '2026-12-06T10:00:00.000Z', 'payments'), {
      invoiceId: inv.payload.invoiceId,
      invoiceNumber: inv.payload.invoiceNumber,
      paymentId: randomUUID(),
      method,
      amountMinor,
      currency: m.currency,
      reference,
      receivedAt: '2026-12-05T00:00:00.000Z',
      recordedAt: '2026-12-06T10:00:00.000Z',
      recordedBy: 'finance',
      outstandingAfterMinor: inv.payload.totalMinor - amountMinor,
    });
  const bankTransfer = recorded(transfer, 'bank_transfer', m.transfer, `SEPA, "${m.currency}" 2026-12-05 #1`);
  const cheque = recorded(declined, 'cheque', m.cheque, `cheque 0042`);
  const payments = [
    skipped(transfer, 'no_payment_method'),
    createEvent(ChargeSucceededV1, meta(accounts.a, '2026-12-01T00:02:00.000Z', 'payments'), {
      invoiceId: carrying.payload.invoiceId,
      invoiceNumber: carrying.payload.invoiceNumber,
      attempt: 1,
      amountMinor: carrying.payload.totalMinor,
      currency: m.currency,
      paymentMethodId: 'pm_card_visa',
      providerPaymentIntentId: `pi_${accounts.a}`,
      providerChargeId: `ch_${accounts.a}`,
      succeededAt: '2026-12-01T00:02:00.000Z',
    }),
    createEvent(ChargeFailedV1, meta(accounts.c, '2026-12-01T00:02:00.000Z', 'payments'), {
      invoiceId: declined.payload.invoiceId,
      invoiceNumber: declined.payload.invoiceNumber,
      attempt: 1,
      amountMinor: m.declined,
      currency: m.currency,
      paymentMethodId: 'pm_card_chargeCustomerFail',
      errorCode: 'card_declined',
      declineCode: 'generic_decline',
      message: 'Your card was declined.',
      retryable: true,
      providerPaymentIntentId: `pi_${accounts.c}`,
      failedAt: '2026-12-01T00:02:00.000Z',
      dueAt: PERIODS[NOVEMBER].dueAt,
      customer: m.customer,
    }),
    bankTransfer,
    cheque,
  ];
  const methodChanged = createEvent(AccountPaymentMethodChangedV1, meta(accounts.c, '2026-12-07T00:00:00.000Z', 'invoicing'), {
    paymentMethodId: 'pm_card_visa',
    providerCustomerId: `cus_${accounts.c}`,
    previousPaymentMethodId: 'pm_card_chargeCustomerFail',
    changedAt: '2026-12-07T00:00:00.000Z',
  });
  return { m, accounts, invoices, emails, belowMinimumSkipped, payments, bankTransfer, cheque, methodChanged, carrying };
}

describe('collected by card and offline, and carried forward, in the finance reports (real Kafka and PostgreSQL)', () => {
  const { tokens, database, prefix, env } = reportingDeployment('repcoll');
  const kafka = testKafka('reporting-collected-test');
  const markets = MARKETS.map(buildMarket);
  let app: INestApplication;
  let runtime: ServiceRuntime;
  let producer: Producer;

  const get = (url: string, token = tokens.finance) => request(app.getHttpServer()).get(url).set('Authorization', `Bearer ${token}`);
  const body = async (url: string) => (await get(url).expect(200)).body;

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
  const on = (topic: TopicName) => (event: Envelope) => ({ topic, event });

  async function allReports(): Promise<Record<string, unknown>> {
    const urls = [
      `/v1/reports/month-close/${OCTOBER}`,
      `/v1/reports/month-close/${NOVEMBER}`,
      `/v1/reports/month-close/${NOVEMBER}?format=csv`,
      `/v1/reports/reconciliation?period=${OCTOBER}`,
      `/v1/reports/reconciliation?period=${NOVEMBER}`,
      `/v1/reports/revenue?from=${OCTOBER}&to=${NOVEMBER}&groupBy=product`,
      `/v1/reports/revenue?from=${OCTOBER}&to=${NOVEMBER}&groupBy=period`,
      `/v1/reports/ar-aging?asOf=2026-12-04`,
      `/v1/reports/ar-aging?asOf=2026-12-31`,
      `/v1/reports/delinquent-accounts`,
      ...markets.flatMap((k) => Object.values(k.accounts).map((a) => `/v1/reports/accounts/${a}/ledger`)),
    ];
    const out: Record<string, unknown> = {};
    for (const url of urls) {
      const response = await get(url).expect(200);
      out[url] = url.includes('format=csv') ? response.text : response.body;
    }
    return out;
  }

  beforeAll(async () => {
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    ({ app, runtime } = await bootReporting(env, new ManualClock('2027-01-10T00:00:00.000Z')));
    await produce(markets.flatMap((k) => [...k.invoices.map(on(TOPICS.invoices)), ...k.emails.map(on(TOPICS.notifications))]));
  });

  afterAll(async () => {
    await app?.close();
    await producer?.disconnect();
    await removeDeployment(kafka, { prefix, database });
  });

  it('lists a below-minimum invoice without a charge outcome until its ChargeSkipped below_provider_minimum arrives', async () => {
    const before = await body(`/v1/reports/reconciliation?period=${OCTOBER}`);
    expect(before.invoicesWithoutChargeOutcome.map((f: { invoiceNumber: string }) => f.invoiceNumber).sort()).toEqual(
      markets.map((k) => k.invoices[0].payload.invoiceNumber).sort(),
    );

    await produce(markets.map((k) => on(TOPICS.payments)(k.belowMinimumSkipped)));

    const after = await body(`/v1/reports/reconciliation?period=${OCTOBER}`);
    expect(after).toMatchObject({ clean: true, invoicesWithoutChargeOutcome: [], totalsThatDoNotAddUp: [] });
  });

  it('reports the carried October total as carried forward, not outstanding, in USD, JPY and KWD', async () => {
    const report = await body(`/v1/reports/month-close/${OCTOBER}`);
    expect(report.currencies).toEqual(
      markets.map(({ m }) =>
        expect.objectContaining({
          currency: m.currency,
          invoices: 1,
          invoicedMinor: m.below,
          carriedForwardMinor: m.below,
          collectedMinor: 0,
          collectedCardMinor: 0,
          collectedOfflineMinor: 0,
          outstandingMinor: 0,
        }),
      ),
    );
  });

  it('reports November collected by card and offline, and balances invoiced − carried forward = collected + outstanding to the minor unit', async () => {
    await produce(markets.flatMap((k) => [...k.payments.map(on(TOPICS.payments)), on(TOPICS.invoices)(k.methodChanged)]));

    const report = await body(`/v1/reports/month-close/${NOVEMBER}`);
    expect(report.currencies).toEqual(
      markets.map(({ m }) => {
        const invoiced = m.usage + m.below + m.transfer + m.declined;
        return {
          currency: m.currency,
          invoices: 3,
          invoicedMinor: invoiced,
          creditNotes: 0,
          creditedMinor: 0,
          invoicedNetMinor: invoiced,
          refundedMinor: 0,
          refundPendingMinor: 0,
          refundFailedMinor: 0,
          accountCreditGrantedMinor: 0,
          creditAwaitingSettlementMinor: 0,
          collectedMinor: m.usage + m.below + m.transfer + m.cheque,
          collectedCardMinor: m.usage + m.below,
          collectedOfflineMinor: m.transfer + m.cheque,
          carriedForwardMinor: 0,
          failedMinor: m.declined - m.cheque,
          failedInvoices: 1,
          outstandingMinor: m.declined - m.cheque,
          zeroTotalInvoices: 0,
          accountsInvoiced: 3,
          accountsOnHold: 0,
          accountsPutOnHold: 0,
          emailsSent: 3,
          emailsFailed: 0,
        };
      }),
    );
    for (const c of report.currencies) {
      expect(c.collectedMinor).toBe(c.collectedCardMinor + c.collectedOfflineMinor);
      expect(c.invoicedMinor - c.carriedForwardMinor).toBe(c.collectedMinor + c.outstandingMinor);
    }

    for (const period of [OCTOBER, NOVEMBER]) {
      const reconciliation = await body(`/v1/reports/reconciliation?period=${period}`);
      expect(reconciliation).toMatchObject({ clean: true, totalsThatDoNotAddUp: [] });
    }

    const csv = (await get(`/v1/reports/month-close/${NOVEMBER}?format=csv`).expect(200)).text.split('\r\n');
    const header = csv[0].split(',');
    const column = (row: string, name: string) => row.split(',')[header.indexOf(name)];
    expect(header).toEqual(expect.arrayContaining(['collected_minor', 'collected_card_minor', 'collected_offline_minor', 'carried_forward_minor']));
    expect(csv.slice(1, 4).map((row) => [column(row, 'currency'), column(row, 'collected_card_minor'), column(row, 'collected_offline_minor')])).toEqual(
      markets.map(({ m }) => [m.currency, String(m.usage + m.below), String(m.transfer + m.cheque)]),
    );
  });

  it('bills a carried balance in the next invoice but leaves it out of revenue by product', async () => {
    const revenue = await body(`/v1/reports/revenue?from=${OCTOBER}&to=${NOVEMBER}&groupBy=product`);
    expect(revenue.rows.map((r: { sku: string }) => r.sku)).not.toContain('carried-balance');
    for (const { m } of markets) {
      const rows = revenue.rows.filter((r: { currency: string }) => r.currency === m.currency);
      expect(rows).toEqual([
        { currency: m.currency, sku: 'server-hour', invoices: 2, quantity: '2', amountMinor: m.below + m.usage },
        { currency: m.currency, sku: 'storage-gb', invoices: 1, quantity: '1', amountMinor: m.transfer },
        { currency: m.currency, sku: 'support-plan', invoices: 1, quantity: '1', amountMinor: m.declined },
      ]);
      const total = revenue.totals.find((t: { currency: string }) => t.currency === m.currency);
      expect(total).toEqual({ currency: m.currency, invoicedMinor: 2 * m.below + m.usage + m.transfer + m.declined, carriedInMinor: m.below, creditedMinor: 0 });
      expect(rows.reduce((s: number, r: { amountMinor: number }) => s + r.amountMinor, 0)).toBe(total.invoicedMinor - total.carriedInMinor);
    }
  });

  it('ages only what is still owed: offline payments received count, a carried total does not', async () => {
    const aging = await body('/v1/reports/ar-aging?asOf=2026-12-31');
    expect(aging.currencies.map((c: { currency: string; totalMinor: number; invoices: number }) => [c.currency, c.totalMinor, c.invoices])).toEqual(
      markets.map(({ m }) => [m.currency, m.declined - m.cheque, 1]),
    );
    // before the payments were received (2026-12-05), the transfer invoice and the whole declined one were owed
    const early = await body('/v1/reports/ar-aging?asOf=2026-12-04');
    expect(early.currencies.map((c: { currency: string; totalMinor: number }) => [c.currency, c.totalMinor])).toEqual(
      markets.map(({ m }) => [m.currency, m.transfer + m.declined]),
    );
  });

  it("shows offline payments with method and reference, and the card a charge used, on the account's ledger", async () => {
    const usd = markets.find((k) => k.m.currency === 'USD')!;
    const b = await body(`/v1/reports/accounts/${usd.accounts.b}/ledger`);
    expect(b.items.map((e: { type: string }) => e.type)).toEqual(['InvoiceGenerated', 'ChargeSkipped', 'EmailSent', 'PaymentRecorded']);
    expect(b.items[3]).toMatchObject({
      amountMinor: usd.m.transfer,
      currency: 'USD',
      invoiceNumber: usd.bankTransfer.payload.invoiceNumber,
      detail: { method: 'bank_transfer', reference: 'SEPA, "USD" 2026-12-05 #1', recordedBy: 'finance', outstandingAfterMinor: 0 },
    });
    const csv = (await get(`/v1/reports/accounts/${usd.accounts.b}/ledger?format=csv`).expect(200)).text;
    expect(csv).toContain('""reference"":""SEPA, \\""USD\\"" 2026-12-05 #1""');

    const a = await body(`/v1/reports/accounts/${usd.accounts.a}/ledger`);
    expect(a.items.map((e: { type: string; detail: Record<string, unknown> }) => [e.type, e.detail.collection ?? e.detail.outcome ?? e.detail.template])).toEqual([
      ['InvoiceGenerated', 'below_provider_minimum'],
      ['ChargeSkipped', 'skipped'],
      ['EmailSent', 'invoice'],
      ['InvoiceGenerated', 'charge_automatically'],
      ['EmailSent', 'invoice'],
      ['ChargeSucceeded', 'succeeded'],
    ]);
    expect(a.items[0].detail).toMatchObject({ carriedForwardMinor: 30 });
    expect(a.items[5].detail).toMatchObject({ paymentMethodId: 'pm_card_visa' });

    const c = await body(`/v1/reports/accounts/${usd.accounts.c}/ledger`);
    expect(c.items.map((e: { type: string }) => e.type)).toEqual(['InvoiceGenerated', 'EmailSent', 'ChargeFailed', 'PaymentRecorded', 'AccountPaymentMethodChanged']);
    expect(c.items[3].detail).toMatchObject({ method: 'cheque', reference: 'cheque 0042', outstandingAfterMinor: usd.m.declined - usd.m.cheque });
  });

  it('changes nothing when an offline payment, a carrying invoice and a charge are delivered twice or re-emitted under a new event id', async () => {
    const before = await allReports();
    const again = markets.flatMap((k) => [
      on(TOPICS.payments)(k.bankTransfer),
      on(TOPICS.payments)({ ...k.bankTransfer, eventId: randomUUID() }),
      on(TOPICS.payments)({ ...k.cheque, eventId: randomUUID() }),
      on(TOPICS.invoices)(k.carrying),
      on(TOPICS.invoices)({ ...k.carrying, eventId: randomUUID() }),
      on(TOPICS.payments)({ ...k.payments[1], eventId: randomUUID() }),
    ]);
    await produce(again);

    expect(await allReports()).toEqual(before);
    const [{ count }] = await runtime.dataSource.query(`SELECT count(*)::int AS count FROM offline_payments`);
    expect(count).toBe(2 * markets.length);
  });

  it('serves the same reports after a rebuild by replay of the new events', async () => {
    const before = await allReports();
    await request(app.getHttpServer()).post('/v1/admin/rebuild').set('Authorization', `Bearer ${tokens.admin}`).expect(202);
    await waitFor(async () => (await get('/v1/admin/projection').expect(200)).body.state === 'live', { what: 'the replay to catch up' });

    expect(await allReports()).toEqual(before);
    const [{ payments }] = await runtime.dataSource.query(`SELECT count(*)::int AS payments FROM offline_payments`);
    expect(payments).toBe(2 * markets.length);
    const [{ carried }] = await runtime.dataSource.query(`SELECT count(*)::int AS carried FROM invoice_lines WHERE kind = 'carried_balance'`);
    expect(carried).toBe(markets.length);
  });
});
