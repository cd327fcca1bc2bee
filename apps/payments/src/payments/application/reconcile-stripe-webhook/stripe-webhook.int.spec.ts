import { INestApplication } from '@nestjs/common';
import { Producer } from 'kafkajs';
import Stripe from 'stripe';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { EventOf } from '@billing/events';
import { waitFor } from '@billing/testing';
import { PaymentsTestService, SandboxProcess, invoiceGenerated, produce, signedPaymentIntentEvent } from '../../../../test/support';

const WEBHOOK_SECRET = 'whsec_payments_webhook_test';
const PAYMENT_INTENT_OUTCOMES = ['payment_intent.succeeded', 'payment_intent.payment_failed'];

describe('Stripe webhook (signed events, the sandbox, real Kafka and PostgreSQL)', () => {
  const service = new PaymentsTestService('webhook');
  const { prefix, emitted } = service;
  let sandbox: SandboxProcess;
  let stripe: Stripe;
  let app: INestApplication;
  let dataSource: DataSource;
  let producer: Producer;
  let customerId: string;
  let webhookUrl: string;

  beforeAll(async () => {
    ({ sandbox, app, dataSource, producer, customerId } = await service.start({
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    }));
    stripe = sandbox.stripe;
    webhookUrl = `http://127.0.0.1:${app.getHttpServer().address().port}/v1/webhooks/stripe`;
  });

  afterAll(() => service.stop());

  afterEach(async () => {
    await sandbox.configure({ dropAfterChargeRate: 0, webhook: null });
  });

  interface AttemptView {
    status: string;
    resolved_by: string | null;
    error_code: string | null;
    decline_code: string | null;
    retryable: boolean | null;
  }
  const attempt = async (invoiceId: string): Promise<AttemptView | undefined> =>
    (
      await dataSource.query(
        'SELECT status, resolved_by, error_code, decline_code, retryable FROM charge_attempts WHERE invoice_id = $1',
        [invoiceId],
      )
    )[0];

  const outboxCount = async (invoiceId: string) => {
    const [{ count }] = await dataSource.query(
      `SELECT count(*)::int AS count FROM outbox WHERE envelope->'payload'->>'invoiceId' = $1`,
      [invoiceId],
    );
    return count as number;
  };

  const webhookRow = async (eventId: string): Promise<{ event_id: string; outcome: string } | undefined> =>
    (await dataSource.query('SELECT event_id, outcome FROM stripe_webhook_events WHERE event_id = $1', [eventId]))[0];

  const handled = (eventId: string) =>
    waitFor(async () => (await dataSource.query(`SELECT 1 FROM inbox WHERE consumer = 'charge-invoices' AND event_id = $1`, [eventId])).length === 1, {
      what: `the consumer to commit ${eventId}`,
    });

  /** The sandbox charges, then drops the connection: the attempt is left pending while the consumer keeps retrying. */
  async function pendingAfterDroppedConnection(paymentMethodId: string, { webhookConfigured = false } = {}) {
    await sandbox.configure({ dropAfterChargeRate: 1 });
    const invoice = invoiceGenerated({ providerCustomerId: customerId, paymentMethodId });
    await produce(producer, prefix, [invoice]);
    const [charge] = await waitFor(
      async () => {
        const charges = await sandbox.chargesFor(invoice.payload.invoiceId);
        return charges.length === 1 && charges;
      },
      { what: 'the charge behind the dropped answer' },
    );
    // (With the sandbox's webhook configured, the webhook may already have resolved it.)
    if (!webhookConfigured) expect(await attempt(invoice.payload.invoiceId)).toMatchObject({ status: 'pending' });
    return { invoice, charge };
  }

  const post = (payload: string, signature?: string) => {
    const req = request(app.getHttpServer()).post('/v1/webhooks/stripe').set('Content-Type', 'application/json');
    return (signature === undefined ? req : req.set('Stripe-Signature', signature)).send(payload);
  };

  it('refuses a webhook with a bad signature with 400 and changes nothing', async () => {
    const { invoice, charge } = await pendingAfterDroppedConnection('pm_card_visa');
    const { invoiceId } = invoice.payload;
    const intent = await stripe.paymentIntents.retrieve(charge.payment_intent);
    const genuine = signedPaymentIntentEvent(stripe, 'payment_intent.succeeded', intent, WEBHOOK_SECRET);
    const otherSecret = signedPaymentIntentEvent(stripe, 'payment_intent.succeeded', intent, 'whsec_someone_else', { eventId: genuine.eventId });
    const stale = signedPaymentIntentEvent(stripe, 'payment_intent.succeeded', intent, WEBHOOK_SECRET, {
      eventId: genuine.eventId,
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });

    const refused = await post(otherSecret.payload, otherSecret.signature).expect(400);
    expect(refused.body.message).toMatch(/Stripe-Signature/);
    await post(genuine.payload).expect(400); // no signature
    await post(genuine.payload.replace('"livemode": false', '"livemode": true'), genuine.signature).expect(400); // tampered body
    await post(stale.payload, stale.signature).expect(400); // an old signature replayed

    expect(await webhookRow(genuine.eventId)).toBeUndefined();
    expect(await attempt(invoiceId)).toMatchObject({ status: 'pending', resolved_by: null });
    expect(await outboxCount(invoiceId)).toBe(0);

    await sandbox.configure({ dropAfterChargeRate: 0 }); // the consumer's next retry records the outcome itself
    await handled(invoice.eventId);
    expect(await attempt(invoiceId)).toMatchObject({ status: 'succeeded', resolved_by: 'consumer' });
    expect(await outboxCount(invoiceId)).toBe(1);
  });

  it('gives an attempt left pending its outcome from a valid webhook once, and ignores the duplicate delivery and the redelivered event', async () => {
    const { invoice, charge } = await pendingAfterDroppedConnection('pm_card_visa');
    const { invoiceId } = invoice.payload;
    const intent = await stripe.paymentIntents.retrieve(charge.payment_intent);
    const event = signedPaymentIntentEvent(stripe, 'payment_intent.succeeded', intent, WEBHOOK_SECRET);

    const first = await post(event.payload, event.signature).expect(200);
    expect(first.body).toEqual({ received: true, eventId: event.eventId, duplicate: false, outcome: 'resolved_succeeded' });
    const resent = signedPaymentIntentEvent(stripe, 'payment_intent.succeeded', intent, WEBHOOK_SECRET, { eventId: event.eventId });
    const again = await post(resent.payload, resent.signature).expect(200);
    expect(again.body).toMatchObject({ duplicate: true, outcome: 'duplicate' });

    await sandbox.configure({ dropAfterChargeRate: 0 }); // the consumer's next retry finds the attempt resolved: no event
    await handled(invoice.eventId);
    const [succeeded] = await waitFor(
      async () => emitted.for(invoiceId, 'ChargeSucceeded').length > 0 && (emitted.for(invoiceId, 'ChargeSucceeded') as EventOf<'ChargeSucceeded'>[]),
      { what: 'ChargeSucceeded' },
    );
    expect(succeeded.payload).toMatchObject({ attempt: 1, amountMinor: 2_000, providerPaymentIntentId: charge.payment_intent, providerChargeId: charge.id });
    expect(succeeded.causationId).toBe(event.eventId);
    expect(succeeded.correlationId).toBe(invoice.correlationId);
    expect(await attempt(invoiceId)).toMatchObject({ status: 'succeeded', resolved_by: 'webhook' });
    expect(await outboxCount(invoiceId)).toBe(1);
    expect(await sandbox.chargesFor(invoiceId)).toHaveLength(1);
    expect(await webhookRow(event.eventId)).toEqual({ event_id: event.eventId, outcome: 'resolved_succeeded' });
    const [{ collected_minor }] = await dataSource.query('SELECT collected_minor FROM payment_invoices WHERE invoice_id = $1', [invoiceId]);
    expect(collected_minor).toBe('2000');
  });

  it('records a decline the sandbox delivers by webhook for an attempt left pending, with its retryable flag', async () => {
    await sandbox.configure({ webhook: { url: webhookUrl, secret: WEBHOOK_SECRET, enabledEvents: PAYMENT_INTENT_OUTCOMES } });
    const { invoice } = await pendingAfterDroppedConnection('pm_card_visa_chargeDeclinedLostCard', { webhookConfigured: true });
    const { invoiceId } = invoice.payload;

    const [failed] = await waitFor(
      async () => emitted.for(invoiceId, 'ChargeFailed').length > 0 && (emitted.for(invoiceId, 'ChargeFailed') as EventOf<'ChargeFailed'>[]),
      { what: 'ChargeFailed from the webhook' },
    );
    expect(failed.payload).toMatchObject({ attempt: 1, errorCode: 'card_declined', declineCode: 'lost_card', retryable: false });
    expect(await attempt(invoiceId)).toMatchObject({ status: 'failed', resolved_by: 'webhook', decline_code: 'lost_card', retryable: false });

    await sandbox.configure({ dropAfterChargeRate: 0 });
    await handled(invoice.eventId);
    expect(await outboxCount(invoiceId)).toBe(1);
  });

  it('emits each outcome once when the sandbox webhook and the consumer report the same charges', async () => {
    await sandbox.configure({ webhook: { url: webhookUrl, secret: WEBHOOK_SECRET, enabledEvents: PAYMENT_INTENT_OUTCOMES } });
    const invoices = ['pm_card_visa', 'pm_card_visa_chargeDeclinedInsufficientFunds', 'pm_card_visa', 'pm_card_authenticationRequired'].map(
      (paymentMethodId) => invoiceGenerated({ providerCustomerId: customerId, paymentMethodId }),
    );
    await produce(producer, prefix, invoices);
    for (const invoice of invoices) await handled(invoice.eventId);
    const intents = await Promise.all(invoices.map(async (i) => (await sandbox.chargesFor(i.payload.invoiceId))[0].payment_intent));
    await waitFor(
      async () => {
        const [{ count }] = await dataSource.query('SELECT count(*)::int AS count FROM stripe_webhook_events WHERE payment_intent_id = ANY($1)', [intents]);
        return count === invoices.length;
      },
      { what: 'a webhook for every charge' },
    );

    for (const invoice of invoices) {
      expect(await outboxCount(invoice.payload.invoiceId)).toBe(1);
      expect(await sandbox.chargesFor(invoice.payload.invoiceId)).toHaveLength(1);
    }
    const outcomes = (await sandbox.events()).filter((e) => PAYMENT_INTENT_OUTCOMES.includes(e.type));
    expect(outcomes.filter((e) => e.deliveries.length > 0).every((e) => e.delivered)).toBe(true);
  });

  it('acknowledges a verified event of a type it does not handle without changing anything', async () => {
    const payload = JSON.stringify({ id: 'evt_ignored_1', object: 'event', type: 'customer.created', data: { object: { id: customerId, object: 'customer' } } });
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    const response = await post(payload, signature).expect(200);
    expect(response.body).toMatchObject({ duplicate: false, outcome: 'ignored_type' });
    expect(await webhookRow('evt_ignored_1')).toEqual({ event_id: 'evt_ignored_1', outcome: 'ignored_type' });
  });
});
