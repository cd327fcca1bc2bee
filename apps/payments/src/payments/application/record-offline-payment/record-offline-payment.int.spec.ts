import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { EventOf } from '@billing/events';
import { hashToken } from '@billing/messaging';
import { waitFor } from '@billing/testing';
import { PaymentsTestService, chargeRetryRequested, invoiceGenerated, produce, sleep } from '../../../../test/support';

const FINANCE_TOKEN = 'finance-token-offline';
const OPERATOR_TOKEN = 'operator-token-offline';
const SERVICE_TOKEN = 'service-token-offline';

describe('record-offline-payment: POST /v1/invoices/:invoiceId/payments (real PostgreSQL, Kafka and the Stripe sandbox)', () => {
  const service = new PaymentsTestService('offline');
  const { prefix, emitted } = service;

  beforeAll(() =>
    service.start({
      AUTH_TOKENS: [FINANCE_TOKEN, OPERATOR_TOKEN, SERVICE_TOKEN].map((t) => `${t.split('-')[0]}:sha256=${hashToken(t)}`).join(','),
      PAYMENTS_TRANSIENT_ATTEMPTS: '2',
      PAYMENTS_TRANSIENT_BACKOFF_MS: '100',
    }),
  );

  afterAll(() => service.stop());

  afterEach(async () => {
    await service.sandbox.configure({ errorRate: 0 });
  });

  /** An invoice payments knows and did not charge (no payment method at issue). */
  const unchargedInvoice = async (currency: string, totalMinor: number) => {
    const invoice = invoiceGenerated({ currency, totalMinor, paymentMethodId: null, collection: 'no_payment_method' });
    await produce(service.producer, prefix, [invoice]);
    await waitFor(async () => emitted.for(invoice.payload.invoiceId, 'ChargeSkipped').length === 1, { what: 'the invoice received' });
    return invoice;
  };

  const pay = (invoiceId: string, body: object, { key = randomUUID() as string | null, token = FINANCE_TOKEN } = {}) => {
    const req = request(service.app.getHttpServer()).post(`/v1/invoices/${invoiceId}/payments`).set('Authorization', `Bearer ${token}`);
    return (key === null ? req : req.set('Idempotency-Key', key)).send(body);
  };

  const transfer = (amountMinor: number, currency: string, reference = 'SWIFT 20261209-0042') => ({
    amountMinor,
    currency,
    method: 'bank_transfer',
    reference,
    receivedAt: '2026-11-30T09:00:00Z',
  });

  const collected = async (invoiceId: string) =>
    Number((await service.dataSource.query('SELECT collected_minor FROM payment_invoices WHERE invoice_id = $1', [invoiceId]))[0].collected_minor);

  const rows = async (invoiceId: string) =>
    (await service.dataSource.query('SELECT * FROM offline_payments WHERE invoice_id = $1 ORDER BY recorded_at', [invoiceId])) as Record<string, unknown>[];

  const recorded = (invoiceId: string, count: number) =>
    waitFor(
      async () => emitted.for(invoiceId, 'PaymentRecorded').length >= count && (emitted.for(invoiceId, 'PaymentRecorded') as EventOf<'PaymentRecorded'>[]),
      { what: `${count} PaymentRecorded for ${invoiceId}` },
    );

  it('records a full JPY bank transfer: collected, PaymentRecorded with nothing outstanding, and a later retry charges nothing', async () => {
    const invoice = await unchargedInvoice('JPY', 5_000);
    const { invoiceId } = invoice.payload;

    const answer = await pay(invoiceId, transfer(5_000, 'JPY')).expect(201);
    expect(answer.body).toMatchObject({
      invoiceId,
      invoiceNumber: (invoice.payload as unknown as { invoiceNumber: string }).invoiceNumber,
      method: 'bank_transfer',
      amountMinor: 5_000,
      currency: 'JPY',
      reference: 'SWIFT 20261209-0042',
      receivedAt: '2026-11-30T09:00:00.000Z',
      recordedBy: 'finance',
      outstandingAfterMinor: 0,
    });
    expect(await collected(invoiceId)).toBe(5_000);
    expect(await rows(invoiceId)).toEqual([
      expect.objectContaining({ payment_id: answer.body.paymentId, amount_minor: '5000', currency: 'JPY', recorded_by: 'finance' }),
    ]);
    const [event] = await recorded(invoiceId, 1);
    expect(event.accountId).toBe(invoice.accountId);
    expect(event.payload).toEqual({ ...answer.body });

    await produce(service.producer, prefix, [chargeRetryRequested(invoice, 2, 'pay_now')]);
    await waitFor(async () => emitted.for(invoiceId, 'ChargeSkipped').length === 2, { what: 'the retry skipped' });
    expect(emitted.for(invoiceId, 'ChargeSkipped')[1].payload).toMatchObject({ reason: 'nothing_to_collect' });
    expect(await service.sandbox.chargesFor(invoiceId)).toHaveLength(0);
  });

  it('records partial KWD payments to the fils, refuses one fils more than outstanding (no silent credit) and writes nothing then', async () => {
    const invoice = await unchargedInvoice('KWD', 12_345);
    const { invoiceId } = invoice.payload;

    const first = await pay(invoiceId, { ...transfer(5_000, 'KWD'), method: 'cheque', reference: 'cheque 000123' }, { token: OPERATOR_TOKEN }).expect(201);
    expect(first.body).toMatchObject({ amountMinor: 5_000, method: 'cheque', recordedBy: 'operator', outstandingAfterMinor: 7_345 });

    const over = await pay(invoiceId, transfer(7_346, 'KWD')).expect(422);
    expect(over.body).toMatchObject({ code: 'amount_exceeds_outstanding' });
    expect(over.body.message).toMatch(/7346 is more than the 7345 outstanding/);
    expect(await collected(invoiceId)).toBe(5_000);

    const rest = await pay(invoiceId, transfer(7_345, 'KWD')).expect(201);
    expect(rest.body).toMatchObject({ amountMinor: 7_345, outstandingAfterMinor: 0 });
    expect(await collected(invoiceId)).toBe(12_345);
    expect((await recorded(invoiceId, 2)).map((e) => [e.payload.amountMinor, e.payload.outstandingAfterMinor])).toEqual([
      [5_000, 7_345],
      [7_345, 0],
    ]);
    await pay(invoiceId, transfer(1, 'KWD')).expect(422);
    expect(await rows(invoiceId)).toHaveLength(2);
  });

  it("refuses another currency than the invoice's with 422 and an unknown invoice with 404", async () => {
    const invoice = await unchargedInvoice('JPY', 5_000);
    const wrong = await pay(invoice.payload.invoiceId, transfer(5_000, 'USD')).expect(422);
    expect(wrong.body).toMatchObject({ code: 'currency_mismatch' });
    const unknown = await pay('00000000-0000-4000-8000-000000000000', transfer(5_000, 'JPY')).expect(404);
    expect(unknown.body).toMatchObject({ code: 'not_found' });
    expect(await collected(invoice.payload.invoiceId)).toBe(0);
    expect(await rows(invoice.payload.invoiceId)).toHaveLength(0);
  });

  it('refuses with 409 while a card attempt of the invoice is pending, and records nothing', async () => {
    await service.sandbox.configure({ errorRate: 1 });
    const invoice = invoiceGenerated({ currency: 'JPY', totalMinor: 5_000, providerCustomerId: service.customerId });
    const { invoiceId } = invoice.payload;
    await produce(service.producer, prefix, [invoice]);
    await waitFor(
      async () => (await service.dataSource.query(`SELECT 1 FROM charge_attempts WHERE invoice_id = $1 AND status = 'pending'`, [invoiceId])).length === 1,
      { what: 'the pending attempt' },
    );
    const key = randomUUID();
    const refused = await pay(invoiceId, transfer(5_000, 'JPY'), { key }).expect(409);
    expect(refused.body).toMatchObject({ code: 'charge_in_flight' });
    expect(await rows(invoiceId)).toHaveLength(0);

    await service.sandbox.configure({ errorRate: 0 });
    await waitFor(async () => emitted.for(invoiceId, 'ChargeSucceeded').length === 1, { what: 'the card charge' });
    // the card paid it meanwhile: the same key (nothing was stored under it) now meets nothing outstanding
    const late = await pay(invoiceId, transfer(5_000, 'JPY'), { key }).expect(422);
    expect(late.body).toMatchObject({ code: 'amount_exceeds_outstanding' });
    expect(await collected(invoiceId)).toBe(5_000);
  });

  it('answers the same key and body with the first payment and records it once; the same key with another body is 409', async () => {
    const invoice = await unchargedInvoice('JPY', 5_000);
    const { invoiceId } = invoice.payload;
    const key = randomUUID();

    const first = await pay(invoiceId, transfer(2_000, 'JPY'), { key }).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await pay(invoiceId, transfer(2_000, 'JPY'), { key, token: OPERATOR_TOKEN }).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const concurrent = await Promise.all([1, 2, 3].map(() => pay(invoiceId, transfer(2_000, 'JPY'), { key })));
    for (const answer of concurrent) expect(answer.body).toEqual(first.body);

    const other = await pay(invoiceId, transfer(2_001, 'JPY'), { key }).expect(409);
    expect(other.body).toMatchObject({ code: 'idempotency_key_reused' });
    await pay(invoiceId, transfer(2_000, 'JPY', 'another reference'), { key }).expect(409);

    expect(await rows(invoiceId)).toHaveLength(1);
    expect(await collected(invoiceId)).toBe(2_000);
    await recorded(invoiceId, 1);
    await sleep(300);
    expect(emitted.for(invoiceId, 'PaymentRecorded')).toHaveLength(1);
    const [{ count }] = await service.dataSource.query(
      `SELECT count(*)::int AS count FROM outbox WHERE event_type = 'PaymentRecorded' AND envelope->'payload'->>'invoiceId' = $1`,
      [invoiceId],
    );
    expect(count).toBe(1);
  });

  it('needs an Idempotency-Key, a valid body, and the role finance or operator', async () => {
    const invoice = await unchargedInvoice('JPY', 5_000);
    const { invoiceId } = invoice.payload;
    const http = request(service.app.getHttpServer());

    const noKey = await pay(invoiceId, transfer(100, 'JPY'), { key: null }).expect(400);
    expect(noKey.body.message).toMatch(/header\.Idempotency-Key/);
    const bad = await pay(invoiceId, { amountMinor: 1.5, currency: 'XXY', method: 'cash', reference: '', receivedAt: '2026-12-09' }).expect(400);
    for (const field of ['amountMinor', 'currency', 'method', 'reference', 'receivedAt']) expect(bad.body.fields).toContain(`body.${field}`);
    await pay(invoiceId, { ...transfer(100, 'JPY'), amount: 100 }).expect(400);
    const future = await pay(invoiceId, { ...transfer(100, 'JPY'), receivedAt: '2099-01-01T00:00:00Z' }).expect(422);
    expect(future.body).toMatchObject({ code: 'received_in_future' });
    await pay('not-a-uuid', transfer(100, 'JPY')).expect(400);

    await http.post(`/v1/invoices/${invoiceId}/payments`).set('Idempotency-Key', randomUUID()).send(transfer(100, 'JPY')).expect(401);
    await pay(invoiceId, transfer(100, 'JPY'), { token: SERVICE_TOKEN }).expect(403);
    expect(await rows(invoiceId)).toHaveLength(0);
  });

  it('documents the endpoint in the OpenAPI document', async () => {
    const { body } = await request(service.app.getHttpServer()).get('/docs-json').expect(200);
    const operation = body.paths['/v1/invoices/{invoiceId}/payments'].post;
    expect(operation.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true })]));
    expect(Object.keys(operation.responses).sort()).toEqual(['201', '400', '401', '403', '404', '409', '422']);
    expect(body.paths['/v1/invoices/{id}/charges'].get).toBeDefined();
  });
});
