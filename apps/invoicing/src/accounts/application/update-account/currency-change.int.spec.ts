import { randomUUID } from 'node:crypto';
import { ChargeSucceededV1, EventOf, PaymentRecordedV1, TOPICS, createEvent } from '@billing/events';
import { ManualClock } from '@billing/messaging';
import { waitFor } from '@billing/testing';
import { TOKENS, api, invoicingForSuite, meta, produce } from '../../../testing/invoicing-test-service';

/**
 * An account's currency cannot change under money it holds or owes: credit, an unpaid invoice,
 * or a below-minimum balance waiting for the next invoice. Invoicing learns what was paid from
 * billing.payments (ChargeSucceeded, PaymentRecorded).
 */
describe('changing the currency of an account (real PostgreSQL and Kafka)', () => {
  const clock = new ManualClock('2026-11-20T00:00:00.000Z');
  const service = invoicingForSuite('invcurrency', clock);
  const ids = { jpy: '', kwd: '', usdCarried: '', credit: '', idle: '' };
  const invoices = new Map<string, EventOf<'InvoiceGenerated'>['payload']>();

  const patchCurrency = (accountId: string, currency: string) =>
    api(service.url, 'PATCH', `/v1/accounts/${accountId}`, { currency, name: 'Renamed with the currency' });
  const collected = async (invoiceId: string) =>
    (await service.runtime.dataSource.query('SELECT collected_minor::int AS c FROM invoices WHERE invoice_id = $1', [invoiceId]))[0].c as number;
  const consumed = (eventId: string) =>
    waitFor(async () => (await service.runtime.dataSource.query('SELECT 1 FROM inbox WHERE event_id = $1', [eventId])).length > 0, {
      what: `event ${eventId} to be consumed`,
    });

  async function expectRefused(accountId: string, currency: string, code: string) {
    const before = (await api(service.url, 'GET', `/v1/accounts/${accountId}`)).body;
    const refused = await patchCurrency(accountId, currency);
    expect(refused).toMatchObject({ status: 409, body: { code } });
    expect((await api(service.url, 'GET', `/v1/accounts/${accountId}`)).body).toEqual(before);
  }

  beforeAll(async () => {
    const product = await api(service.url, 'PUT', '/v1/products/widget.seat', {
      description: 'Widget seat',
      unit: 'seat',
      prices: { USD: { unitPrice: '0.30' }, JPY: { unitPrice: '600' }, KWD: { unitPrice: '2.000' } },
    });
    expect(product.status).toBe(200);
    ids.jpy = await service.createAccount({ name: 'Yen KK', currency: 'JPY', timeZone: 'Asia/Tokyo', locale: 'ja-JP' });
    ids.kwd = await service.createAccount({ name: 'Fils KSC', currency: 'KWD', timeZone: 'Asia/Kuwait' });
    ids.usdCarried = await service.createAccount({ name: 'Cents Inc', currency: 'USD', timeZone: 'UTC' });
    ids.credit = await service.createAccount({ name: 'Credit Ltd', currency: 'USD', timeZone: 'UTC', creditBalanceMinor: 1 });
    ids.idle = await service.createAccount({ name: 'Idle GmbH', currency: 'EUR', timeZone: 'Europe/Berlin' });
    const seat = (accountId: string) => ({ usageId: 'seat-nov', accountId, sku: 'widget.seat', resourceId: 's-1', quantity: '1', occurredAt: '2026-11-10T00:00:00Z' });
    const upload = await api(service.url, 'POST', '/v1/usage', { records: [seat(ids.jpy), seat(ids.kwd), seat(ids.usdCarried)] });
    expect(upload.body).toMatchObject({ accepted: 3 });
    clock.set('2026-12-03T00:00:00.000Z');
    const run = await api(service.url, 'POST', '/v1/month-closes', { period: '2026-11' });
    await waitFor(
      async () => (await api(service.url, 'GET', `/v1/month-closes/${run.body.runId}`, undefined, TOKENS.finance)).body.status === 'completed',
      { what: 'the month close to complete' },
    );
    const rows: { envelope: EventOf<'InvoiceGenerated'> }[] = await service.runtime.dataSource.query(
      `SELECT envelope FROM outbox WHERE event_type = 'InvoiceGenerated'`,
    );
    for (const r of rows) invoices.set(r.envelope.accountId, r.envelope.payload);
    expect(invoices.get(ids.jpy)).toMatchObject({ totalMinor: 600, collection: 'charge_automatically' });
    expect(invoices.get(ids.kwd)).toMatchObject({ totalMinor: 2000, collection: 'charge_automatically' });
    expect(invoices.get(ids.usdCarried)).toMatchObject({ totalMinor: 30, collection: 'below_provider_minimum' });
  });

  it('refuses a currency change of an account holding credit with 409 credit_balance_not_zero and writes nothing', async () => {
    await expectRefused(ids.credit, 'EUR', 'credit_balance_not_zero');
  });

  it('refuses a currency change while a JPY invoice is unpaid, and allows it once a charge paid it (counted once when redelivered)', async () => {
    await expectRefused(ids.jpy, 'USD', 'unpaid_invoices');
    const invoice = invoices.get(ids.jpy)!;
    const charged = createEvent(ChargeSucceededV1, meta(ids.jpy), {
      invoiceId: invoice.invoiceId,
      invoiceNumber: invoice.invoiceNumber,
      attempt: 1,
      amountMinor: 600,
      currency: 'JPY',
      paymentMethodId: 'pm_card_visa',
      providerPaymentIntentId: 'pi_1',
      providerChargeId: 'ch_1',
      succeededAt: '2026-12-03T00:01:00.000Z',
    });
    // After the duplicate, on the same partition: a charge of an invoice invoicing does not hold (ignored).
    const marker = createEvent(ChargeSucceededV1, meta(ids.jpy), { ...charged.payload, invoiceId: randomUUID() });
    await produce(service.deployment, TOPICS.payments, [charged, charged, marker]);
    await consumed(marker.eventId);
    expect(await collected(invoice.invoiceId)).toBe(600);
    const changed = await patchCurrency(ids.jpy, 'USD');
    expect(changed).toMatchObject({ status: 200, body: { currency: 'USD', name: 'Renamed with the currency' } });
  });

  it('keeps a KWD invoice unpaid after a partial offline payment and allows the change once the rest is recorded', async () => {
    const invoice = invoices.get(ids.kwd)!;
    const recorded = (amountMinor: number, outstandingAfterMinor: number) =>
      createEvent(PaymentRecordedV1, meta(ids.kwd), {
        invoiceId: invoice.invoiceId,
        invoiceNumber: invoice.invoiceNumber,
        paymentId: randomUUID(),
        method: 'bank_transfer',
        amountMinor,
        currency: 'KWD',
        reference: 'TRF-1',
        receivedAt: '2026-12-04T00:00:00.000Z',
        recordedAt: '2026-12-04T00:00:00.000Z',
        recordedBy: 'finance',
        outstandingAfterMinor,
      });
    const partial = recorded(1500, 500);
    await produce(service.deployment, TOPICS.payments, [partial, partial]);
    await consumed(partial.eventId);
    expect(await collected(invoice.invoiceId)).toBe(1500);
    await expectRefused(ids.kwd, 'USD', 'unpaid_invoices');

    const rest = recorded(500, 0);
    await produce(service.deployment, TOPICS.payments, [rest]);
    await consumed(rest.eventId);
    // the partial payment delivered twice counted once
    expect(await collected(invoice.invoiceId)).toBe(2000);
    expect((await patchCurrency(ids.kwd, 'USD')).status).toBe(200);
  });

  it('refuses a currency change while a below-minimum balance waits for the next invoice with 409 carried_balance_pending', async () => {
    await expectRefused(ids.usdCarried, 'EUR', 'carried_balance_pending');
  });

  it('allows a currency change of an account with no credit, nothing unpaid and nothing carried', async () => {
    expect(invoices.get(ids.idle)).toMatchObject({ totalMinor: 0, collection: 'nothing_due' });
    const changed = await api(service.url, 'PUT', `/v1/accounts/${ids.idle}`, {
      name: 'Idle GmbH',
      billingEmail: 'ada@example.com',
      currency: 'CHF',
      timeZone: 'Europe/Zurich',
      locale: 'de-CH',
    });
    expect(changed).toMatchObject({ status: 200, body: { currency: 'CHF' } });
  });
});
