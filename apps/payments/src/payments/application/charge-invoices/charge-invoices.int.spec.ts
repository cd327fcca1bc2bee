import { INestApplication } from '@nestjs/common';
import { Producer } from 'kafkajs';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { EventOf, TOPICS } from '@billing/events';
import { hashToken, topicName } from '@billing/messaging';
import { waitFor } from '@billing/testing';
import { randomUUID } from 'node:crypto';
import {
  PaymentsTestService,
  SandboxProcess,
  chargeRetryRequested,
  invoiceGenerated,
  paymentMethodChanged,
  produce,
  sleep,
} from '../../../../test/support';

const FINANCE_TOKEN = 'finance-token-charges';
const OPERATOR_TOKEN = 'operator-token-charges';

describe('charge-invoices (real Stripe SDK against the sandbox, real Kafka and PostgreSQL)', () => {
  const service = new PaymentsTestService('charge');
  const { prefix, emitted } = service;
  let sandbox: SandboxProcess;
  let app: INestApplication;
  let dataSource: DataSource;
  let producer: Producer;
  let customerId: string;

  beforeAll(async () => {
    ({ sandbox, app, dataSource, producer, customerId } = await service.start({
      AUTH_TOKENS: `finance:sha256=${hashToken(FINANCE_TOKEN)},operator:sha256=${hashToken(OPERATOR_TOKEN)}`,
    }));
  });

  afterAll(() => service.stop());

  afterEach(async () => {
    await sandbox.configure({ dropAfterChargeRate: 0, errorRate: 0 });
  });

  const outboxCount = async (invoiceId: string, type: string) => {
    const [{ count }] = await dataSource.query(
      `SELECT count(*)::int AS count FROM outbox WHERE event_type = $2 AND envelope->'payload'->>'invoiceId' = $1`,
      [invoiceId, type],
    );
    return count as number;
  };

  const attempts = async (invoiceId: string) =>
    (await dataSource.query('SELECT * FROM charge_attempts WHERE invoice_id = $1 ORDER BY attempt', [invoiceId])) as {
      attempt: number;
      status: string;
      idempotency_key: string;
      provider_payment_intent_id: string | null;
      resolved_by: string | null;
      payment_method_id: string | null;
      provider_customer_id: string | null;
    }[];

  const paymentAccount = async (accountId: string) =>
    ((await dataSource.query('SELECT * FROM payment_accounts WHERE account_id = $1', [accountId])) as {
      payment_method_id: string | null;
      provider_customer_id: string | null;
      source_event_id: string;
      changed_at: Date;
    }[])[0];

  /** The method change was applied (method changes and retries travel on different topics). */
  const waitForMethod = (accountId: string, eventId: string) =>
    waitFor(async () => (await paymentAccount(accountId))?.source_event_id === eventId, { what: `method change ${eventId} applied` });

  const waitForEvent = <T extends 'ChargeSucceeded' | 'ChargeFailed' | 'ChargeSkipped'>(invoiceId: string, type: T, count = 1) =>
    waitFor(async () => emitted.for(invoiceId, type).length >= count && (emitted.for(invoiceId, type) as EventOf<T>[]), {
      what: `${count} ${type} for ${invoiceId}`,
    });

  it('charges an invoice once and emits ChargeSucceeded once when InvoiceGenerated is delivered twice', async () => {
    const invoice = invoiceGenerated({ providerCustomerId: customerId, paymentMethodId: 'pm_card_visa' });
    await produce(producer, prefix, [invoice]);
    const [succeeded] = await waitForEvent(invoice.payload.invoiceId, 'ChargeSucceeded');
    await produce(producer, prefix, [invoice]);
    // A marker on the same account (same partition) proves the duplicate was consumed before we count.
    const marker = invoiceGenerated({ accountId: invoice.accountId, totalMinor: 0 });
    await produce(producer, prefix, [marker]);
    await waitForEvent(marker.payload.invoiceId, 'ChargeSkipped');

    const charges = await sandbox.chargesFor(invoice.payload.invoiceId);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({
      status: 'succeeded',
      amount: 2_000,
      currency: 'usd',
      customer: customerId,
      idempotency_key: `invoice:${invoice.payload.invoiceId}:attempt:1`,
      metadata: { invoice_id: invoice.payload.invoiceId, account_id: invoice.accountId, attempt: '1' },
    });
    expect(succeeded.payload).toMatchObject({
      invoiceId: invoice.payload.invoiceId,
      attempt: 1,
      amountMinor: 2_000,
      currency: 'USD',
      providerPaymentIntentId: charges[0].payment_intent,
      providerChargeId: charges[0].id,
    });
    expect(succeeded.causationId).toBe(invoice.eventId);
    expect(succeeded.correlationId).toBe(invoice.correlationId);
    expect(emitted.for(invoice.payload.invoiceId, 'ChargeSucceeded')).toHaveLength(1);
    expect(await outboxCount(invoice.payload.invoiceId, 'ChargeSucceeded')).toBe(1);
  });

  it('charges once and emits ChargeSucceeded once when the connection drops after the sandbox made the charge', async () => {
    await sandbox.configure({ dropAfterChargeRate: 1 });
    const invoice = invoiceGenerated({ providerCustomerId: customerId });
    const { invoiceId } = invoice.payload;
    await produce(producer, prefix, [invoice]);
    await waitFor(async () => (await sandbox.chargesFor(invoiceId)).length === 1, { what: 'the charge behind the dropped answer' });
    const [pending] = await attempts(invoiceId);
    expect(pending).toMatchObject({ status: 'pending', idempotency_key: `invoice:${invoiceId}:attempt:1` });
    await sleep(300); // let at least one retry with the same key hit the dropped connection too
    await sandbox.configure({ dropAfterChargeRate: 0 });

    const [succeeded] = await waitForEvent(invoiceId, 'ChargeSucceeded');
    await sleep(500);
    const charges = await sandbox.chargesFor(invoiceId);
    expect(charges).toHaveLength(1);
    expect(succeeded.payload).toMatchObject({ providerPaymentIntentId: charges[0].payment_intent, amountMinor: 2_000 });
    expect(emitted.for(invoiceId, 'ChargeSucceeded')).toHaveLength(1);
    expect(emitted.for(invoiceId, 'ChargeFailed')).toHaveLength(0);
    expect(await outboxCount(invoiceId, 'ChargeSucceeded')).toBe(1);
    expect(await attempts(invoiceId)).toEqual([
      expect.objectContaining({ attempt: 1, status: 'succeeded', provider_payment_intent_id: charges[0].payment_intent }),
    ]);
  });

  it('retries 5xx answers with the same idempotency key and never reports them as a decline', async () => {
    await sandbox.configure({ errorRate: 1 });
    const invoice = invoiceGenerated({ providerCustomerId: customerId });
    const { invoiceId } = invoice.payload;
    const key = `invoice:${invoiceId}:attempt:1`;
    await produce(producer, prefix, [invoice]);
    const failedCalls = () => sandbox.logs.filter((l) => l.msg === 'request' && l.status === 500 && l.idempotencyKey === key).length;
    await waitFor(async () => failedCalls() >= 4, { what: 'repeated 500 answers for the same key' });
    expect(emitted.for(invoiceId)).toHaveLength(0);
    expect(await attempts(invoiceId)).toEqual([expect.objectContaining({ status: 'pending', idempotency_key: key })]);
    await sandbox.configure({ errorRate: 0 });

    await waitForEvent(invoiceId, 'ChargeSucceeded');
    expect(await sandbox.chargesFor(invoiceId)).toHaveLength(1);
    expect(emitted.for(invoiceId, 'ChargeFailed')).toHaveLength(0);
    expect(await outboxCount(invoiceId, 'ChargeSucceeded')).toBe(1);
  });

  it('gives each test card its outcome, error codes and retryable flag', async () => {
    const cards = [
      ['pm_card_visa', { type: 'ChargeSucceeded' }],
      ['pm_card_visa_chargeDeclined', { type: 'ChargeFailed', errorCode: 'card_declined', declineCode: 'generic_decline', retryable: true }],
      ['pm_card_visa_chargeDeclinedInsufficientFunds', { type: 'ChargeFailed', errorCode: 'card_declined', declineCode: 'insufficient_funds', retryable: true }],
      ['pm_card_chargeCustomerFail', { type: 'ChargeFailed', errorCode: 'card_declined', declineCode: 'generic_decline', retryable: true }],
      ['pm_card_authenticationRequired', { type: 'ChargeFailed', errorCode: 'authentication_required', declineCode: 'authentication_required', retryable: false }],
      ['pm_card_visa_chargeDeclinedLostCard', { type: 'ChargeFailed', errorCode: 'card_declined', declineCode: 'lost_card', retryable: false }],
      ['pm_card_visa_chargeDeclinedStolenCard', { type: 'ChargeFailed', errorCode: 'card_declined', declineCode: 'stolen_card', retryable: false }],
      ['pm_card_chargeDeclinedExpiredCard', { type: 'ChargeFailed', errorCode: 'expired_card', declineCode: 'expired_card', retryable: false }],
    ] as const;
    const invoices = cards.map(([paymentMethodId]) => invoiceGenerated({ providerCustomerId: customerId, paymentMethodId }));
    await produce(producer, prefix, invoices);

    const outcomes = await waitFor(
      async () => {
        const found = invoices.map(
          (i) => emitted.for(i.payload.invoiceId).filter((e) => e.type === 'ChargeSucceeded' || e.type === 'ChargeFailed')[0],
        );
        return found.every(Boolean) && found;
      },
      { what: 'an outcome for every card' },
    );
    const charges = await Promise.all(invoices.map((i) => sandbox.chargesFor(i.payload.invoiceId)));
    for (const list of charges) expect(list).toHaveLength(1);
    const actual = outcomes.map((event, index) => {
      if (event.type === 'ChargeFailed') {
        const { errorCode, declineCode, retryable, attempt, providerPaymentIntentId } = event.payload;
        expect(attempt).toBe(1);
        expect(providerPaymentIntentId).toBe(charges[index][0].payment_intent);
        expect(event.payload.customer.email).toBe('ada@example.com');
        return [cards[index][0], { type: event.type, errorCode, declineCode, retryable }];
      }
      return [cards[index][0], { type: event.type }];
    });
    expect(actual).toEqual(cards.map(([card, outcome]) => [card, outcome]));
  });

  it('sends JPY, KWD and HUF invoices to the provider in the units Stripe expects', async () => {
    const cases = [
      { currency: 'JPY', totalMinor: 5_000, provider: 5_000 }, // ¥5,000: zero-decimal
      { currency: 'KWD', totalMinor: 12_340, provider: 12_340 }, // 12.340 KWD: three decimals, last digit 0
      { currency: 'HUF', totalMinor: 175_050, provider: 175_050 }, // 1,750.50 Ft: two decimals at the provider
    ];
    const invoices = cases.map((c) => invoiceGenerated({ currency: c.currency, totalMinor: c.totalMinor, providerCustomerId: customerId }));
    await produce(producer, prefix, invoices);
    for (const invoice of invoices) await waitForEvent(invoice.payload.invoiceId, 'ChargeSucceeded');

    for (const [index, c] of cases.entries()) {
      const charges = await sandbox.chargesFor(invoices[index].payload.invoiceId);
      expect(charges.map((ch) => [ch.currency, ch.amount])).toEqual([[c.currency.toLowerCase(), c.provider]]);
      const [succeeded] = emitted.for(invoices[index].payload.invoiceId, 'ChargeSucceeded') as EventOf<'ChargeSucceeded'>[];
      expect(succeeded.payload).toMatchObject({ amountMinor: c.totalMinor, currency: c.currency });
    }
  });

  it('makes no provider call for a zero-total invoice or one already paid, and emits ChargeSkipped', async () => {
    const zero = invoiceGenerated({ totalMinor: 0, providerCustomerId: customerId });
    const paid = invoiceGenerated({ providerCustomerId: customerId });
    await produce(producer, prefix, [zero, paid]);
    await waitForEvent(paid.payload.invoiceId, 'ChargeSucceeded');
    await produce(producer, prefix, [chargeRetryRequested(paid, 2)]);

    const [zeroSkipped] = await waitForEvent(zero.payload.invoiceId, 'ChargeSkipped');
    const [paidSkipped] = await waitForEvent(paid.payload.invoiceId, 'ChargeSkipped');
    expect(zeroSkipped.payload).toMatchObject({ reason: 'nothing_to_collect', amountMinor: 0, currency: 'USD' });
    expect(paidSkipped.payload).toMatchObject({ reason: 'nothing_to_collect', amountMinor: 0 });
    expect(await sandbox.chargesFor(zero.payload.invoiceId)).toHaveLength(0);
    expect(await sandbox.chargesFor(paid.payload.invoiceId)).toHaveLength(1);
    expect((await attempts(paid.payload.invoiceId)).map((a) => [a.attempt, a.status])).toEqual([
      [1, 'succeeded'],
      [2, 'skipped'],
    ]);
  });

  it('skips an amount below the provider minimum and an invoice without a payment method, without a provider call', async () => {
    const tiny = invoiceGenerated({ totalMinor: 49, providerCustomerId: customerId });
    const noMethod = invoiceGenerated({ paymentMethodId: null, providerCustomerId: null });
    await produce(producer, prefix, [tiny, noMethod]);
    const [tinySkipped] = await waitForEvent(tiny.payload.invoiceId, 'ChargeSkipped');
    const [noMethodSkipped] = await waitForEvent(noMethod.payload.invoiceId, 'ChargeSkipped');
    expect(tinySkipped.payload).toMatchObject({ reason: 'below_provider_minimum', amountMinor: 49 });
    expect(noMethodSkipped.payload).toMatchObject({ reason: 'no_payment_method', amountMinor: 2_000 });
    expect(await sandbox.chargesFor(tiny.payload.invoiceId)).toHaveLength(0);
    expect(await sandbox.chargesFor(noMethod.payload.invoiceId)).toHaveLength(0);
  });

  it('skips JPY and KWD invoices that invoicing marked for manual collection above the provider maximum, without a provider call', async () => {
    // ¥100,000,000 and 100,000.000 KWD: one unit past Stripe's eight-digit maximum in each
    const manual = [
      invoiceGenerated({ currency: 'JPY', totalMinor: 100_000_000, providerCustomerId: customerId, collection: 'manual_above_provider_maximum' }),
      invoiceGenerated({ currency: 'KWD', totalMinor: 100_000_000, providerCustomerId: customerId, collection: 'manual_above_provider_maximum' }),
    ];
    await produce(producer, prefix, manual);
    for (const invoice of manual) {
      const [skipped] = await waitForEvent(invoice.payload.invoiceId, 'ChargeSkipped');
      expect(skipped.payload).toMatchObject({ reason: 'manual_collection', amountMinor: 100_000_000 });
    }
    // a dunning retry of the same invoice is skipped the same way
    await produce(producer, prefix, [chargeRetryRequested(manual[0], 2)]);
    await waitForEvent(manual[0].payload.invoiceId, 'ChargeSkipped', 2);
    for (const invoice of manual) expect(await sandbox.chargesFor(invoice.payload.invoiceId)).toHaveLength(0);
    expect((await attempts(manual[0].payload.invoiceId)).map((a) => [a.attempt, a.status])).toEqual([
      [1, 'skipped'],
      [2, 'skipped'],
    ]);
  });

  it('creates a second PaymentIntent with its own idempotency key when attempt 2 is requested after a decline', async () => {
    const invoice = invoiceGenerated({ providerCustomerId: customerId, paymentMethodId: 'pm_card_visa_chargeDeclinedInsufficientFunds' });
    const { invoiceId } = invoice.payload;
    await produce(producer, prefix, [invoice]);
    const [first] = await waitForEvent(invoiceId, 'ChargeFailed');
    expect(first.payload).toMatchObject({ attempt: 1, retryable: true });

    const retry = chargeRetryRequested(invoice, 2);
    await produce(producer, prefix, [retry, retry]); // the retry request is delivered twice as well
    const failures = await waitForEvent(invoiceId, 'ChargeFailed', 2);
    await sleep(500);

    const charges = await sandbox.chargesFor(invoiceId);
    expect(charges.map((c) => c.idempotency_key)).toEqual([`invoice:${invoiceId}:attempt:1`, `invoice:${invoiceId}:attempt:2`]);
    expect(charges[0].payment_intent).not.toBe(charges[1].payment_intent);
    expect(charges.map((c) => c.metadata.attempt)).toEqual(['1', '2']);
    expect(emitted.for(invoiceId, 'ChargeFailed')).toHaveLength(2);
    expect(failures[1].payload).toMatchObject({ attempt: 2, providerPaymentIntentId: charges[1].payment_intent, amountMinor: 2_000 });
    expect(failures[1].causationId).toBe(retry.eventId);
  });

  it('dead-letters the event when Stripe refuses the idempotency key as reused with other parameters', async () => {
    const invoice = invoiceGenerated({ providerCustomerId: customerId });
    const { invoiceId } = invoice.payload;
    // Someone (a bug) already used this attempt's key for a different request.
    await sandbox.stripe.paymentIntents.create(
      { amount: 999, currency: 'usd', metadata: { invoice_id: 'other' } },
      { idempotencyKey: `invoice:${invoiceId}:attempt:1` },
    );
    await produce(producer, prefix, [invoice]);

    const letter = await waitFor(async () => emitted.deadLetters.find((m) => m.value.includes(invoice.eventId)), {
      what: 'the dead letter',
    });
    expect(letter.headers['dlq-reason']).toBe('handler_error');
    expect(letter.headers['dlq-detail']).toMatch(/idempotency_error/);
    expect(letter.headers['dlq-source-topic']).toBe(topicName(prefix, TOPICS.invoices));
    expect(await sandbox.chargesFor(invoiceId)).toHaveLength(0);
    expect(emitted.for(invoiceId)).toHaveLength(0);
    expect((await attempts(invoiceId)).map((a) => a.status)).toEqual(['pending']); // left for a human, never charged
  });

  it('lists the charge attempts of an invoice to finance, and refuses other roles and bad ids', async () => {
    const invoice = invoiceGenerated({ providerCustomerId: customerId });
    const { invoiceId } = invoice.payload;
    await produce(producer, prefix, [invoice]);
    await waitForEvent(invoiceId, 'ChargeSucceeded');
    const http = request(app.getHttpServer());
    const [charge] = await sandbox.chargesFor(invoiceId);

    const ok = await http.get(`/v1/invoices/${invoiceId}/charges`).set('Authorization', `Bearer ${FINANCE_TOKEN}`).expect(200);
    expect(ok.body).toMatchObject({
      invoiceId,
      currency: 'USD',
      totalMinor: 2_000,
      collectedMinor: 2_000,
      outstandingMinor: 0,
      attempts: [
        {
          attempt: 1,
          status: 'succeeded',
          idempotencyKey: `invoice:${invoiceId}:attempt:1`,
          amountMinor: 2_000,
          providerAmount: 2_000,
          providerCurrency: 'usd',
          paymentMethodId: 'pm_card_visa',
          providerPaymentIntentId: charge.payment_intent,
          resolvedBy: 'consumer',
        },
      ],
    });
    await http.get(`/v1/invoices/${invoiceId}/charges`).expect(401);
    await http.get(`/v1/invoices/${invoiceId}/charges`).set('Authorization', `Bearer ${OPERATOR_TOKEN}`).expect(403);
    const bad = await http.get('/v1/invoices/not-a-uuid/charges').set('Authorization', `Bearer ${FINANCE_TOKEN}`).expect(400);
    expect(bad.body.message).toMatch(/params\.id/);
    await http
      .get('/v1/invoices/00000000-0000-4000-8000-000000000000/charges')
      .set('Authorization', `Bearer ${FINANCE_TOKEN}`)
      .expect(404);
  });
  describe("the payment method is the account's at each attempt", () => {
    it('charges a retry to the method the account changed to after a decline, and records it on the attempt and the event', async () => {
      const accountId = randomUUID();
      const invoice = invoiceGenerated({ accountId, providerCustomerId: customerId, paymentMethodId: 'pm_card_chargeCustomerFail' });
      const { invoiceId } = invoice.payload;
      await produce(producer, prefix, [invoice]);
      const [declined] = await waitForEvent(invoiceId, 'ChargeFailed');
      expect(declined.payload.paymentMethodId).toBe('pm_card_chargeCustomerFail');

      // The customer fixes the card: a new Stripe customer with a card attached to it.
      const newCustomer = (await sandbox.stripe.customers.create({ email: 'ada@example.com' })).id;
      const newCard = (await sandbox.stripe.paymentMethods.attach('pm_card_visa', { customer: newCustomer })).id;
      const change = paymentMethodChanged(accountId, {
        paymentMethodId: newCard,
        providerCustomerId: newCustomer,
        previousPaymentMethodId: 'pm_card_chargeCustomerFail',
        changedAt: '2026-12-03T10:00:00.000Z',
      });
      await produce(producer, prefix, [change]);
      await waitForMethod(accountId, change.eventId);
      await produce(producer, prefix, [chargeRetryRequested(invoice, 2, 'payment_method_changed')]);

      const [succeeded] = await waitForEvent(invoiceId, 'ChargeSucceeded');
      const charges = await sandbox.chargesFor(invoiceId);
      expect(charges.map((c) => [c.metadata.attempt, c.customer, c.payment_method, c.status])).toEqual([
        ['1', customerId, 'pm_card_chargeCustomerFail', 'failed'],
        ['2', newCustomer, newCard, 'succeeded'],
      ]);
      expect(succeeded.payload).toMatchObject({ attempt: 2, paymentMethodId: newCard, providerPaymentIntentId: charges[1].payment_intent });
      expect((await attempts(invoiceId)).map((a) => [a.attempt, a.status, a.payment_method_id, a.provider_customer_id])).toEqual([
        [1, 'failed', 'pm_card_chargeCustomerFail', customerId],
        [2, 'succeeded', newCard, newCustomer],
      ]);
    });

    it('applies a method change delivered twice once, ignores an older one, and charges a later invoice of the batch with it', async () => {
      const accountId = randomUUID();
      const change = paymentMethodChanged(accountId, { paymentMethodId: 'pm_card_visa', providerCustomerId: customerId, changedAt: '2026-12-02T10:00:00.000Z' });
      const older = paymentMethodChanged(accountId, {
        paymentMethodId: 'pm_card_visa_chargeDeclined',
        providerCustomerId: customerId,
        changedAt: '2026-12-01T10:00:00.000Z',
      });
      // The invoice snapshot still names the card the account had when it was issued.
      const invoice = invoiceGenerated({ accountId, currency: 'JPY', totalMinor: 5_000, providerCustomerId: customerId, paymentMethodId: 'pm_card_visa_chargeDeclined' });
      await produce(producer, prefix, [change, change, older, invoice]);

      const [succeeded] = await waitForEvent(invoice.payload.invoiceId, 'ChargeSucceeded');
      expect(succeeded.payload).toMatchObject({ amountMinor: 5_000, currency: 'JPY', paymentMethodId: 'pm_card_visa' });
      const charges = await sandbox.chargesFor(invoice.payload.invoiceId);
      expect(charges.map((c) => [c.payment_method, c.amount, c.currency])).toEqual([['pm_card_visa', 5_000, 'jpy']]);
      expect(await paymentAccount(accountId)).toMatchObject({
        payment_method_id: 'pm_card_visa',
        provider_customer_id: customerId,
        source_event_id: change.eventId,
      });
      const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM inbox WHERE consumer = 'charge-invoices' AND event_id = $1`, [change.eventId]);
      expect(count).toBe(1);
    });

    it('obeys collection on attempt 1 (below the minimum, no payment method) and charges a pay-now of the no-method invoice to the card added since', async () => {
      const accountId = randomUUID();
      const tiny = invoiceGenerated({ accountId, totalMinor: 30, providerCustomerId: customerId, collection: 'below_provider_minimum' });
      const noMethod = invoiceGenerated({
        accountId,
        currency: 'KWD',
        totalMinor: 12_340,
        paymentMethodId: null,
        providerCustomerId: null,
        collection: 'no_payment_method',
      });
      await produce(producer, prefix, [tiny, noMethod]);
      const [tinySkipped] = await waitForEvent(tiny.payload.invoiceId, 'ChargeSkipped');
      const [noMethodSkipped] = await waitForEvent(noMethod.payload.invoiceId, 'ChargeSkipped');
      expect(tinySkipped.payload).toMatchObject({ reason: 'below_provider_minimum', amountMinor: 30 });
      expect(noMethodSkipped.payload).toMatchObject({ reason: 'no_payment_method', amountMinor: 12_340, currency: 'KWD' });

      const change = paymentMethodChanged(accountId, { paymentMethodId: 'pm_card_visa', providerCustomerId: customerId, changedAt: '2026-12-02T10:00:00.000Z' });
      await produce(producer, prefix, [change]);
      await waitForMethod(accountId, change.eventId);
      await produce(producer, prefix, [chargeRetryRequested(noMethod, 2, 'pay_now'), chargeRetryRequested(tiny, 2, 'payment_method_changed')]);

      const [succeeded] = await waitForEvent(noMethod.payload.invoiceId, 'ChargeSucceeded');
      expect(succeeded.payload).toMatchObject({ attempt: 2, amountMinor: 12_340, currency: 'KWD', paymentMethodId: 'pm_card_visa' });
      // the below-minimum total was carried to the next invoice: never charged here
      const [, tinyAgain] = await waitForEvent(tiny.payload.invoiceId, 'ChargeSkipped', 2);
      expect(tinyAgain.payload).toMatchObject({ reason: 'below_provider_minimum' });
      expect(await sandbox.chargesFor(tiny.payload.invoiceId)).toHaveLength(0);
      expect((await sandbox.chargesFor(noMethod.payload.invoiceId)).map((c) => [c.metadata.attempt, c.payment_method, c.amount])).toEqual([
        ['2', 'pm_card_visa', 12_340],
      ]);
    });

    it('never charges a paid invoice again after the method changes', async () => {
      const accountId = randomUUID();
      const invoice = invoiceGenerated({ accountId, providerCustomerId: customerId });
      const { invoiceId } = invoice.payload;
      await produce(producer, prefix, [invoice]);
      await waitForEvent(invoiceId, 'ChargeSucceeded');
      const change = paymentMethodChanged(accountId, {
        paymentMethodId: 'pm_card_mastercard',
        providerCustomerId: customerId,
        changedAt: '2026-12-02T10:00:00.000Z',
      });
      await produce(producer, prefix, [change]);
      await waitForMethod(accountId, change.eventId);
      await produce(producer, prefix, [chargeRetryRequested(invoice, 2, 'payment_method_changed')]);

      const [skipped] = await waitForEvent(invoiceId, 'ChargeSkipped');
      expect(skipped.payload).toMatchObject({ reason: 'nothing_to_collect', amountMinor: 0 });
      expect(await sandbox.chargesFor(invoiceId)).toHaveLength(1);
      expect(emitted.for(invoiceId, 'ChargeSucceeded')).toHaveLength(1);
    });
  });
});
