import { INestApplication } from '@nestjs/common';
import { Producer } from 'kafkajs';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { BillingEvent, EventOf } from '@billing/events';
import { hashToken } from '@billing/messaging';
import { waitFor } from '@billing/testing';
import { randomUUID } from 'node:crypto';
import {
  InvoiceEvent,
  PaymentsTestService,
  SandboxProcess,
  chargeRetryRequested,
  creditNoteIssued,
  invoiceGenerated,
  paymentMethodChanged,
  produce,
  sleep,
} from '../../../../test/support';

const FINANCE_TOKEN = 'finance-token-credit-notes';

describe('settle-credit-notes (real Stripe SDK against the sandbox, real Kafka and PostgreSQL)', () => {
  const service = new PaymentsTestService('credit');
  const { prefix, emitted } = service;
  let sandbox: SandboxProcess;
  let app: INestApplication;
  let dataSource: DataSource;
  let producer: Producer;
  let customerId: string;

  beforeAll(async () => {
    ({ sandbox, app, dataSource, producer, customerId } = await service.start({
      AUTH_TOKENS: `finance:sha256=${hashToken(FINANCE_TOKEN)}`,
    }));
  });

  afterAll(() => service.stop());

  afterEach(() => sandbox.configure({ dropAfterRefundRate: 0, refundFailureReason: null }));

  const waitForEvent = <T extends BillingEvent['type']>(invoiceId: string, type: T, count = 1) =>
    waitFor(async () => emitted.for(invoiceId, type).length >= count && (emitted.for(invoiceId, type) as EventOf<T>[]), {
      what: `${count} ${type} for ${invoiceId}`,
    });

  /** A marker invoice on the same account (same partition) proves everything before it was consumed. */
  const drainAccount = async (accountId: string) => {
    const marker = invoiceGenerated({ accountId, totalMinor: 0 });
    await produce(producer, prefix, [marker]);
    await waitForEvent(marker.payload.invoiceId, 'ChargeSkipped');
    await sleep(300);
  };

  const outboxCount = async (invoiceId: string, type: string) => {
    const [{ count }] = await dataSource.query(
      `SELECT count(*)::int AS count FROM outbox WHERE event_type = $2 AND envelope->'payload'->>'invoiceId' = $1`,
      [invoiceId, type],
    );
    return count as number;
  };

  /** An invoice whose first charge was declined (insufficient funds): nothing collected. */
  const declinedInvoice = async (currency: string, totalMinor: number) => {
    const invoice = invoiceGenerated({ currency, totalMinor, providerCustomerId: customerId, paymentMethodId: 'pm_card_visa_chargeDeclinedInsufficientFunds' });
    await produce(producer, prefix, [invoice]);
    await waitForEvent(invoice.payload.invoiceId, 'ChargeFailed');
    return invoice;
  };

  /** An invoice paid in full by card. */
  const paidInvoice = async (currency: string, totalMinor: number) => {
    const invoice = invoiceGenerated({ currency, totalMinor, providerCustomerId: customerId, paymentMethodId: 'pm_card_visa' });
    await produce(producer, prefix, [invoice]);
    await waitForEvent(invoice.payload.invoiceId, 'ChargeSucceeded');
    return invoice;
  };

  /** Card back on file, then collections' retry n of the invoice. */
  const retryWithWorkingCard = async (invoice: InvoiceEvent, attempt: number) => {
    const change = paymentMethodChanged(invoice.accountId, {
      paymentMethodId: 'pm_card_visa',
      providerCustomerId: customerId,
      changedAt: `2026-12-04T0${attempt}:00:00.000Z`,
    });
    await produce(producer, prefix, [change]);
    await waitFor(
      async () =>
        ((await dataSource.query('SELECT source_event_id FROM payment_accounts WHERE account_id = $1', [invoice.accountId])) as { source_event_id: string }[])[0]
          ?.source_event_id === change.eventId,
      { what: 'the method change applied' },
    );
    await produce(producer, prefix, [chargeRetryRequested(invoice, attempt)]);
  };

  it('a partial JPY credit on a declined invoice lowers what the next retry charges; delivered twice it settles once', async () => {
    const invoice = await declinedInvoice('JPY', 5_000);
    const { invoiceId } = invoice.payload;
    const credit = creditNoteIssued(invoice, { totalMinor: 1_200 });

    await produce(producer, prefix, [credit, credit]);
    const [settled] = await waitForEvent(invoiceId, 'CreditNoteSettled');
    expect(settled.payload).toEqual({
      creditNoteId: credit.payload.creditNoteId,
      creditNoteNumber: expect.stringMatching(/^CN-2026-12-/),
      invoiceId,
      invoiceNumber: invoice.payload.invoiceNumber,
      currency: 'JPY',
      totalMinor: 1_200,
      appliedToOutstandingMinor: 1_200,
      refundMinor: 0,
      accountCreditMinor: 0,
      outstandingAfterMinor: 3_800,
      settledAt: expect.any(String),
    });
    expect(settled.causationId).toBe(credit.eventId);
    await produce(producer, prefix, [credit]);
    await drainAccount(invoice.accountId);
    expect(emitted.for(invoiceId, 'CreditNoteSettled')).toHaveLength(1);
    expect(await outboxCount(invoiceId, 'CreditNoteSettled')).toBe(1);

    await retryWithWorkingCard(invoice, 2);
    const [charged] = await waitForEvent(invoiceId, 'ChargeSucceeded');
    expect(charged.payload).toMatchObject({ attempt: 2, amountMinor: 3_800, currency: 'JPY' });
    expect((await sandbox.chargesFor(invoiceId)).map((c) => [c.status, c.amount])).toEqual([
      ['failed', 5_000],
      ['succeeded', 3_800],
    ]);
    expect(await sandbox.refundsFor(invoiceId)).toEqual([]);
  });

  it('a full KWD credit of an unpaid invoice leaves nothing outstanding: the next attempt is skipped without a provider call', async () => {
    const invoice = await declinedInvoice('KWD', 12_340);
    const { invoiceId } = invoice.payload;

    await produce(producer, prefix, [creditNoteIssued(invoice, { totalMinor: 12_340, kind: 'void' })]);
    const [settled] = await waitForEvent(invoiceId, 'CreditNoteSettled');
    expect(settled.payload).toMatchObject({ currency: 'KWD', appliedToOutstandingMinor: 12_340, refundMinor: 0, accountCreditMinor: 0, outstandingAfterMinor: 0 });

    await retryWithWorkingCard(invoice, 2);
    const [skipped] = await waitForEvent(invoiceId, 'ChargeSkipped');
    expect(skipped.payload).toMatchObject({ reason: 'nothing_to_collect', amountMinor: 0 });
    expect(await sandbox.chargesFor(invoiceId)).toEqual([expect.objectContaining({ status: 'failed', amount: 12_340 })]);
    const { body } = await request(app.getHttpServer()).get(`/v1/invoices/${invoiceId}/charges`).set('Authorization', `Bearer ${FINANCE_TOKEN}`).expect(200);
    expect(body).toMatchObject({ totalMinor: 12_340, collectedMinor: 0, creditedMinor: 12_340, outstandingMinor: 0 });
  });

  it('refunds a credit of a card-paid JPY invoice exactly once, though the credit note is delivered twice', async () => {
    const invoice = await paidInvoice('JPY', 5_000);
    const { invoiceId } = invoice.payload;
    const credit = creditNoteIssued(invoice, { totalMinor: 2_000 });

    await produce(producer, prefix, [credit, credit]);
    const [refunded] = await waitForEvent(invoiceId, 'RefundSucceeded');
    await produce(producer, prefix, [credit]);
    await drainAccount(invoice.accountId);

    const refunds = await sandbox.refundsFor(invoiceId);
    const [charge] = await sandbox.chargesFor(invoiceId);
    expect(refunds).toEqual([
      expect.objectContaining({ amount: 2_000, currency: 'jpy', status: 'succeeded', payment_intent: charge.payment_intent, idempotency_key: `refund:${credit.payload.creditNoteId}` }),
    ]);
    expect(refunded.payload).toEqual({
      creditNoteId: credit.payload.creditNoteId,
      creditNoteNumber: credit.payload.creditNoteNumber,
      invoiceId,
      invoiceNumber: invoice.payload.invoiceNumber,
      amountMinor: 2_000,
      currency: 'JPY',
      providerRefundId: refunds[0].id,
      providerPaymentIntentId: charge.payment_intent,
      succeededAt: expect.any(String),
    });
    expect(emitted.for(invoiceId, 'CreditNoteSettled').map((e) => e.payload)).toEqual([
      expect.objectContaining({ appliedToOutstandingMinor: 0, refundMinor: 2_000, accountCreditMinor: 0, outstandingAfterMinor: 0 }),
    ]);
    expect(emitted.for(invoiceId, 'RefundSucceeded')).toHaveLength(1);
    expect(await outboxCount(invoiceId, 'RefundSucceeded')).toBe(1);
  });

  it('refunds a KWD credit rounded down to what Stripe takes and puts the remaining fils on the account', async () => {
    const invoice = await paidInvoice('KWD', 12_340);
    const { invoiceId } = invoice.payload;

    await produce(producer, prefix, [creditNoteIssued(invoice, { totalMinor: 1_235 })]);
    const [refunded] = await waitForEvent(invoiceId, 'RefundSucceeded');
    expect(emitted.for(invoiceId, 'CreditNoteSettled')[0].payload).toMatchObject({ refundMinor: 1_230, accountCreditMinor: 5, appliedToOutstandingMinor: 0 });
    expect(refunded.payload).toMatchObject({ amountMinor: 1_230, currency: 'KWD' });
    expect(await sandbox.refundsFor(invoiceId)).toEqual([expect.objectContaining({ amount: 1_230, currency: 'kwd', status: 'succeeded' })]);
  });

  it('reports a refund the provider declines as RefundFailed once, and moves no money', async () => {
    await sandbox.configure({ refundFailureReason: 'expired_or_canceled_card' });
    const invoice = await paidInvoice('JPY', 3_000);
    const { invoiceId } = invoice.payload;

    await produce(producer, prefix, [creditNoteIssued(invoice, { totalMinor: 3_000 })]);
    const [failed] = await waitForEvent(invoiceId, 'RefundFailed');
    expect(failed.payload).toMatchObject({ amountMinor: 3_000, currency: 'JPY', errorCode: 'expired_or_canceled_card' });
    expect(emitted.for(invoiceId, 'RefundSucceeded')).toHaveLength(0);
    expect(await sandbox.chargesFor(invoiceId)).toEqual([expect.objectContaining({ amount_refunded: 0 })]);
    expect((await dataSource.query('SELECT status, error_code FROM refunds WHERE invoice_id = $1', [invoiceId])) as unknown[]).toEqual([
      { status: 'failed', error_code: 'expired_or_canceled_card' },
    ]);
  });

  it('sends a refund that timed out again with the same key: one refund at the provider, one RefundSucceeded', async () => {
    const invoice = await paidInvoice('JPY', 4_000);
    const { invoiceId } = invoice.payload;
    await sandbox.configure({ dropAfterRefundRate: 1 });

    await produce(producer, prefix, [creditNoteIssued(invoice, { totalMinor: 1_500 })]);
    await waitFor(async () => (await sandbox.refundsFor(invoiceId)).length === 1, { what: 'the refund behind the dropped answer' });
    expect((await dataSource.query('SELECT status FROM refunds WHERE invoice_id = $1', [invoiceId])) as unknown[]).toEqual([{ status: 'pending' }]);
    await sleep(300); // let a retry with the same key hit the dropped connection too
    await sandbox.configure({ dropAfterRefundRate: 0 });

    await waitForEvent(invoiceId, 'RefundSucceeded');
    await sleep(500);
    expect(await sandbox.refundsFor(invoiceId)).toEqual([expect.objectContaining({ amount: 1_500, status: 'succeeded' })]);
    expect(emitted.for(invoiceId, 'RefundSucceeded')).toHaveLength(1);
    expect(emitted.for(invoiceId, 'RefundFailed')).toHaveLength(0);
  });

  it('gives the credit of an invoice paid by bank transfer back as account credit: no card, no refund call', async () => {
    const invoice = invoiceGenerated({ currency: 'JPY', totalMinor: 6_000, providerCustomerId: customerId, paymentMethodId: null });
    const { invoiceId } = invoice.payload;
    await produce(producer, prefix, [invoice]);
    await waitForEvent(invoiceId, 'ChargeSkipped');
    await request(app.getHttpServer())
      .post(`/v1/invoices/${invoiceId}/payments`)
      .set('Authorization', `Bearer ${FINANCE_TOKEN}`)
      .set('Idempotency-Key', randomUUID())
      .send({ amountMinor: 6_000, currency: 'JPY', method: 'bank_transfer', reference: 'SWIFT 0042', receivedAt: '2026-11-30T09:00:00Z' })
      .expect(201);

    await produce(producer, prefix, [creditNoteIssued(invoice, { totalMinor: 2_500, paidPartTo: 'refund' })]);
    const [settled] = await waitForEvent(invoiceId, 'CreditNoteSettled');
    expect(settled.payload).toMatchObject({ appliedToOutstandingMinor: 0, refundMinor: 0, accountCreditMinor: 2_500, outstandingAfterMinor: 0 });
    await drainAccount(invoice.accountId);
    expect(await sandbox.refundsFor(invoiceId)).toEqual([]);
    expect(emitted.for(invoiceId, 'RefundSucceeded')).toHaveLength(0);
  });

  it('settles a credit note only after the card attempt in flight has its outcome, counting what it collected', async () => {
    // given an invoice with a card attempt pending at the provider (its row committed before the call)
    const invoice = invoiceGenerated({ currency: 'KWD', totalMinor: 12_340, providerCustomerId: null, paymentMethodId: null });
    const { invoiceId } = invoice.payload;
    await produce(producer, prefix, [invoice]);
    await waitForEvent(invoiceId, 'ChargeSkipped');
    await dataSource.query(
      `INSERT INTO charge_attempts (invoice_id, attempt, idempotency_key, status, amount_minor, currency, provider_amount,
         provider_currency, requested_by_event_id, correlation_id, requested_at)
       VALUES ($1, 2, $2, 'pending', 12340, 'KWD', 12340, 'kwd', $3, $4, now())`,
      [invoiceId, `invoice:${invoiceId}:attempt:2`, randomUUID(), invoice.correlationId],
    );

    // when a credit note arrives while the attempt is in flight
    await produce(producer, prefix, [creditNoteIssued(invoice, { totalMinor: 2_340, paidPartTo: 'account_credit' })]);
    await sleep(2_000);
    // then nothing is settled yet
    expect(emitted.for(invoiceId, 'CreditNoteSettled')).toEqual([]);
    expect((await dataSource.query('SELECT 1 FROM credit_note_settlements WHERE invoice_id = $1', [invoiceId])) as unknown[]).toEqual([]);

    // when the attempt succeeds (as the consumer or the webhook records it)
    await dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE charge_attempts SET status = 'succeeded', provider_payment_intent_id = 'pi_in_flight', resolved_at = now(), resolved_by = 'webhook'
         WHERE invoice_id = $1 AND attempt = 2`,
        [invoiceId],
      );
      await manager.query('UPDATE payment_invoices SET collected_minor = 12340 WHERE invoice_id = $1', [invoiceId]);
    });
    // then the credit is settled against the paid invoice: all of it collected, so all of it account credit
    const [settled] = await waitForEvent(invoiceId, 'CreditNoteSettled');
    expect(settled.payload).toMatchObject({ currency: 'KWD', appliedToOutstandingMinor: 0, accountCreditMinor: 2_340, refundMinor: 0, outstandingAfterMinor: 0 });
  });
});
