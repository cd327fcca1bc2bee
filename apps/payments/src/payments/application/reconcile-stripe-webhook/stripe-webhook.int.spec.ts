import { INestApplication } from '@nestjs/common';
import { Admin, Producer } from 'kafkajs';
import Stripe from 'stripe';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { EventOf } from '@billing/events';
import { ServiceRuntime, billingTopicConfigs, bootService, dropDatabase } from '@billing/messaging';
import { DATABASE_SERVER_URL, testKafka, uniqueName, uniquePrefix, waitFor } from '@billing/testing';
import { signWebhookPayload, type Sandbox } from '../../../../../../tools/stripe-sandbox/src';
import { AppModule } from '../../../app.module';
import { loadPaymentsConfig } from '../../../config';
import { paymentsEntities, paymentsMigrations } from '../../../database';
import { EmittedEvents, chargesFor, invoiceGenerated, produce, startSandbox } from '../../../../test/support';

const WEBHOOK_SECRET = 'whsec_payments_webhook_test';

describe('Stripe webhook (signed events from the sandbox, real Kafka and PostgreSQL)', () => {
  const database = uniqueName('payments_webhook');
  const prefix = uniquePrefix('payments_webhook');
  const kafka = testKafka('payments-webhook-test');
  const emitted = new EmittedEvents();
  let sandbox: Sandbox;
  let stripe: Stripe;
  let app: INestApplication;
  let runtime: ServiceRuntime;
  let dataSource: DataSource;
  let producer: Producer;
  let admin: Admin;
  let customerId: string;
  let webhookUrl: string;

  beforeAll(async () => {
    const started = await startSandbox();
    sandbox = started.sandbox;
    stripe = started.stripe;
    customerId = (await stripe.customers.create({ email: 'ada@example.com' })).id;
    const config = loadPaymentsConfig({
      DATABASE_URL: DATABASE_SERVER_URL,
      DATABASE_NAME: database,
      TOPIC_PREFIX: prefix,
      TOPIC_PARTITIONS: '2',
      HTTP_PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      STRIPE_API_PORT: String(started.port),
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_MAX_NETWORK_RETRIES: '0',
      STRIPE_TIMEOUT_MS: '5000',
      PAYMENTS_TRANSIENT_ATTEMPTS: '2',
      PAYMENTS_TRANSIENT_BACKOFF_MS: '50',
    });
    ({ app, runtime } = await bootService({
      config,
      entities: paymentsEntities,
      migrations: paymentsMigrations,
      module: (rt) => AppModule.forRoot(rt, config),
    }));
    dataSource = runtime.dataSource;
    webhookUrl = `http://127.0.0.1:${app.getHttpServer().address().port}/v1/webhooks/stripe`;
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    admin = kafka.admin();
    await admin.connect();
    await emitted.start(prefix);
  });

  afterAll(async () => {
    await Promise.all([emitted.stop(), app?.close()]);
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: billingTopicConfigs({ prefix, partitions: 2 }).map((t) => t.topic) }).catch(() => undefined);
    await admin?.disconnect();
    await sandbox?.close();
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  afterEach(async () => {
    sandbox.configure({ dropAfterChargeRate: 0, webhook: null });
    await sandbox.drainWebhooks();
  });

  const attempt = async (invoiceId: string) =>
    ((await dataSource.query('SELECT status, resolved_by, error_code, decline_code, retryable FROM charge_attempts WHERE invoice_id = $1', [invoiceId])) as {
      status: string;
      resolved_by: string | null;
      error_code: string | null;
      decline_code: string | null;
      retryable: boolean | null;
    }[])[0];

  const outboxCount = async (invoiceId: string) => {
    const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM outbox WHERE envelope->'payload'->>'invoiceId' = $1`, [invoiceId]);
    return count as number;
  };

  const webhookRows = async () => (await dataSource.query('SELECT event_id, outcome FROM stripe_webhook_events ORDER BY event_id')) as { event_id: string; outcome: string }[];

  const handled = (eventId: string) =>
    waitFor(async () => (await dataSource.query('SELECT 1 FROM inbox WHERE event_id = $1', [eventId])).length === 1, {
      what: `the consumer to commit ${eventId}`,
    });

  /** The sandbox charges, then drops the connection: the attempt is left pending while the consumer keeps retrying. */
  async function pendingAfterDroppedConnection(paymentMethodId: string, { webhookConfigured = false } = {}) {
    sandbox.configure({ dropAfterChargeRate: 1 });
    const invoice = invoiceGenerated({ providerCustomerId: customerId, paymentMethodId });
    await produce(producer, prefix, [invoice]);
    const [charge] = await waitFor(async () => chargesFor(sandbox, invoice.payload.invoiceId).length === 1 && chargesFor(sandbox, invoice.payload.invoiceId), {
      what: 'the charge behind the dropped answer',
    });
    // (With the sandbox's webhook configured, the webhook may already have resolved it.)
    if (!webhookConfigured) expect(await attempt(invoice.payload.invoiceId)).toMatchObject({ status: 'pending' });
    const type = charge.status === 'succeeded' ? 'payment_intent.succeeded' : 'payment_intent.payment_failed';
    const stripeEvent = sandbox.state.events.find((e) => e.type === type && e.payload.includes(charge.payment_intent))!;
    return { invoice, charge, stripeEvent };
  }

  const post = (payload: string, signature?: string) => {
    const req = request(app.getHttpServer()).post('/v1/webhooks/stripe').set('Content-Type', 'application/json');
    return (signature === undefined ? req : req.set('Stripe-Signature', signature)).send(payload);
  };
  const now = () => Math.floor(Date.now() / 1000);

  it('refuses a webhook with a bad signature with 400 and changes nothing', async () => {
    const { invoice, stripeEvent } = await pendingAfterDroppedConnection('pm_card_visa');
    const { invoiceId } = invoice.payload;

    await post(stripeEvent.payload, signWebhookPayload(stripeEvent.payload, 'whsec_someone_else', now())).expect(400);
    await post(stripeEvent.payload).expect(400);
    const forged = stripeEvent.payload.replace('"livemode": false', '"livemode": true');
    await post(forged, signWebhookPayload(stripeEvent.payload, WEBHOOK_SECRET, now())).expect(400);
    await post(stripeEvent.payload, signWebhookPayload(stripeEvent.payload, WEBHOOK_SECRET, now() - 3600)).expect(400); // replayed old signature

    expect(await webhookRows()).not.toContainEqual(expect.objectContaining({ event_id: stripeEvent.id }));
    expect(await attempt(invoiceId)).toMatchObject({ status: 'pending', resolved_by: null });
    expect(await outboxCount(invoiceId)).toBe(0);

    sandbox.configure({ dropAfterChargeRate: 0 }); // the consumer's retry then records the outcome
    await handled(invoice.eventId);
    expect(await attempt(invoiceId)).toMatchObject({ status: 'succeeded', resolved_by: 'consumer' });
  });

  it('gives an attempt left pending its outcome from a valid webhook once, and ignores the duplicate delivery and the redelivered event', async () => {
    const { invoice, charge, stripeEvent } = await pendingAfterDroppedConnection('pm_card_visa');
    const { invoiceId } = invoice.payload;

    const first = await post(stripeEvent.payload, signWebhookPayload(stripeEvent.payload, WEBHOOK_SECRET, now())).expect(200);
    expect(first.body).toEqual({ received: true, eventId: stripeEvent.id, duplicate: false, outcome: 'resolved_succeeded' });
    const again = await post(stripeEvent.payload, signWebhookPayload(stripeEvent.payload, WEBHOOK_SECRET, now())).expect(200);
    expect(again.body).toMatchObject({ duplicate: true, outcome: 'duplicate' });

    sandbox.configure({ dropAfterChargeRate: 0 }); // the consumer's retry replays the charge and finds it resolved
    await handled(invoice.eventId);
    const [succeeded] = await waitFor(async () => emitted.for(invoiceId, 'ChargeSucceeded').length > 0 && (emitted.for(invoiceId, 'ChargeSucceeded') as EventOf<'ChargeSucceeded'>[]), {
      what: 'ChargeSucceeded',
    });
    expect(succeeded.payload).toMatchObject({ attempt: 1, amountMinor: 2_000, providerPaymentIntentId: charge.payment_intent, providerChargeId: charge.id });
    expect(succeeded.causationId).toBe(stripeEvent.id);
    expect(succeeded.correlationId).toBe(invoice.correlationId);
    expect(await attempt(invoiceId)).toMatchObject({ status: 'succeeded', resolved_by: 'webhook' });
    expect(await outboxCount(invoiceId)).toBe(1);
    expect(chargesFor(sandbox, invoiceId)).toHaveLength(1);
    expect((await webhookRows()).filter((r) => r.event_id === stripeEvent.id)).toEqual([{ event_id: stripeEvent.id, outcome: 'resolved_succeeded' }]);
    const [{ collected_minor }] = await dataSource.query('SELECT collected_minor FROM payment_invoices WHERE invoice_id = $1', [invoiceId]);
    expect(collected_minor).toBe('2000');
  });

  it('records a decline delivered by the sandbox webhook for an attempt left pending, with the retryable flag', async () => {
    sandbox.configure({ webhook: { url: webhookUrl, secret: WEBHOOK_SECRET, enabledEvents: ['payment_intent.succeeded', 'payment_intent.payment_failed'] } });
    const { invoice } = await pendingAfterDroppedConnection('pm_card_visa_chargeDeclinedLostCard', { webhookConfigured: true });
    const { invoiceId } = invoice.payload;

    const [failed] = await waitFor(async () => emitted.for(invoiceId, 'ChargeFailed').length > 0 && (emitted.for(invoiceId, 'ChargeFailed') as EventOf<'ChargeFailed'>[]), {
      what: 'ChargeFailed from the webhook',
    });
    expect(failed.payload).toMatchObject({ attempt: 1, errorCode: 'card_declined', declineCode: 'lost_card', retryable: false });
    expect(await attempt(invoiceId)).toMatchObject({ status: 'failed', resolved_by: 'webhook', decline_code: 'lost_card', retryable: false });

    sandbox.configure({ dropAfterChargeRate: 0 });
    await handled(invoice.eventId);
    expect(await outboxCount(invoiceId)).toBe(1);
  });

  it('emits each outcome once when the sandbox webhook and the consumer report the same charges', async () => {
    sandbox.configure({ webhook: { url: webhookUrl, secret: WEBHOOK_SECRET, enabledEvents: ['payment_intent.succeeded', 'payment_intent.payment_failed'] } });
    const invoices = ['pm_card_visa', 'pm_card_visa_chargeDeclinedInsufficientFunds', 'pm_card_visa', 'pm_card_authenticationRequired'].map((paymentMethodId) =>
      invoiceGenerated({ providerCustomerId: customerId, paymentMethodId }),
    );
    await produce(producer, prefix, invoices);
    for (const invoice of invoices) await handled(invoice.eventId);
    await sandbox.drainWebhooks();
    const intents = invoices.map((i) => chargesFor(sandbox, i.payload.invoiceId)[0].payment_intent);
    await waitFor(
      async () => {
        const rows = (await dataSource.query('SELECT count(*)::int AS count FROM stripe_webhook_events WHERE payment_intent_id = ANY($1)', [intents]))[0];
        return rows.count === invoices.length;
      },
      { what: 'every webhook handled' },
    );

    for (const invoice of invoices) {
      expect(await outboxCount(invoice.payload.invoiceId)).toBe(1);
      expect(chargesFor(sandbox, invoice.payload.invoiceId)).toHaveLength(1);
    }
    const deliveries = sandbox.state.events.filter((e) => intents.some((pi) => e.payload.includes(pi)) && e.type.startsWith('payment_intent.') && e.type !== 'payment_intent.created');
    expect(deliveries).toHaveLength(invoices.length);
    expect(deliveries.every((e) => e.delivered)).toBe(true);
  });

  it('acknowledges a verified event of a type it does not handle without changing anything', async () => {
    const payload = JSON.stringify({ id: 'evt_ignored_1', object: 'event', type: 'customer.created', data: { object: { id: customerId, object: 'customer' } } });
    const response = await post(payload, signWebhookPayload(payload, WEBHOOK_SECRET, now())).expect(200);
    expect(response.body).toMatchObject({ duplicate: false, outcome: 'ignored_type' });
  });
});
