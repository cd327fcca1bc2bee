/**
 * The sandbox driven through the real `stripe` SDK over HTTP on an ephemeral port. It needs no
 * Kafka or PostgreSQL, but it listens on a socket, so it lives in the int tier.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { createSandbox, type Sandbox } from './sandbox';
import type { ChargeRecord } from './state';

let sandbox: Sandbox;
let stripe: Stripe;
let baseUrl: string;

function client(port: number, key = 'sk_test_sandbox'): Stripe {
  return new Stripe(key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });
}

async function start(options: Parameters<typeof createSandbox>[0] = {}): Promise<void> {
  sandbox = createSandbox(options);
  const { port } = await sandbox.listen(0);
  baseUrl = `http://127.0.0.1:${port}`;
  stripe = client(port);
}

async function control(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

async function charges(query = ''): Promise<ChargeRecord[]> {
  const { json } = await control('GET', `/_sandbox/charges${query}`);
  return json.data as ChargeRecord[];
}

/** Resolves to the rejection of `promise`, failing the test if it fulfils. */
async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

const offSessionCharge = (paymentMethod: string, extra: Partial<Stripe.PaymentIntentCreateParams> = {}) => ({
  amount: 2000,
  currency: 'usd',
  payment_method: paymentMethod,
  confirm: true,
  off_session: true,
  metadata: { invoice_id: 'inv_1' },
  ...extra,
});

afterEach(async () => {
  await sandbox.close();
});

describe('stripe sandbox: test payment methods', () => {
  beforeEach(() => start());

  it.each(['pm_card_visa', 'pm_card_mastercard'])('charges %s off session and the PaymentIntent succeeds', async (pm) => {
    const customer = await stripe.customers.create({ email: 'a@example.com' });
    const intent = await stripe.paymentIntents.create(offSessionCharge(pm, { customer: customer.id }));

    expect(intent).toMatchObject({ status: 'succeeded', amount: 2000, amount_received: 2000, currency: 'usd' });
    expect(intent.metadata).toEqual({ invoice_id: 'inv_1' });
    const ledger = await charges();
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({
      payment_intent: intent.id,
      amount: 2000,
      currency: 'usd',
      customer: customer.id,
      payment_method: pm,
      status: 'succeeded',
      metadata: { invoice_id: 'inv_1' },
    });
  });

  it.each([
    ['pm_card_visa_chargeDeclined', 'card_declined', 'generic_decline'],
    ['pm_card_visa_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
    ['pm_card_chargeCustomerFail', 'card_declined', 'generic_decline'],
    ['pm_card_visa_chargeDeclinedLostCard', 'card_declined', 'lost_card'],
    ['pm_card_visa_chargeDeclinedStolenCard', 'card_declined', 'stolen_card'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'expired_card'],
    ['pm_card_chargeDeclinedIncorrectCvc', 'incorrect_cvc', 'incorrect_cvc'],
    ['pm_card_chargeDeclinedProcessingError', 'processing_error', 'processing_error'],
    ['pm_card_authenticationRequired', 'authentication_required', 'authentication_required'],
  ])('declines %s with code %s / decline_code %s and leaves the intent requiring a payment method', async (pm, code, declineCode) => {
    const error = await rejectionOf(stripe.paymentIntents.create(offSessionCharge(pm)));

    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ statusCode: 402, type: 'StripeCardError', code, decline_code: declineCode });
    expect(error.payment_intent).toMatchObject({ status: 'requires_payment_method', latest_charge: error.charge });
    const intent = await stripe.paymentIntents.retrieve(error.payment_intent.id);
    expect(intent.status).toBe('requires_payment_method');
    expect(intent.last_payment_error).toMatchObject({ code, decline_code: declineCode });
    expect(await charges()).toEqual([expect.objectContaining({ status: 'failed', failure_code: code, decline_code: declineCode })]);
  });

  it('asks for authentication instead of charging when pm_card_authenticationRequired is confirmed on session', async () => {
    const intent = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
    });

    expect(intent.status).toBe('requires_action');
    expect(await charges()).toHaveLength(0);
  });

  it('attaches pm_card_chargeCustomerFail to a customer and declines the charge made with it', async () => {
    const customer = await stripe.customers.create({ name: 'Ada' });
    const attached = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    expect(attached).toMatchObject({ customer: customer.id, card: { last4: '0341' } });

    const error = await rejectionOf(
      stripe.paymentIntents.create(offSessionCharge(attached.id, { customer: customer.id })),
    );
    expect(error).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
  });

  it('refuses to attach a card that declines outright', async () => {
    const customer = await stripe.customers.create({});
    const error = await rejectionOf(stripe.paymentMethods.attach('pm_card_visa_chargeDeclined', { customer: customer.id }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
  });

  it('creates an unconfirmed intent and charges it on confirm', async () => {
    const created = await stripe.paymentIntents.create({ amount: 1500, currency: 'eur', payment_method: 'pm_card_visa' });
    expect(created.status).toBe('requires_confirmation');
    expect(await charges()).toHaveLength(0);

    const confirmed = await stripe.paymentIntents.confirm(created.id, { off_session: true });
    expect(confirmed).toMatchObject({ id: created.id, status: 'succeeded', amount_received: 1500 });

    const again = await rejectionOf(stripe.paymentIntents.confirm(created.id));
    expect(again).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
    expect(await charges()).toHaveLength(1);
  });
});

describe('stripe sandbox: customers, refunds and request validation', () => {
  beforeEach(() => start());

  it('retrieves a created customer and answers 404 resource_missing for an unknown one', async () => {
    const created = await stripe.customers.create({ email: 'b@example.com', metadata: { account_id: 'acc_1' } });
    await expect(stripe.customers.retrieve(created.id)).resolves.toMatchObject({
      id: created.id,
      email: 'b@example.com',
      metadata: { account_id: 'acc_1' },
    });

    const error = await rejectionOf(stripe.customers.retrieve('cus_missing'));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('answers 401 to a request without a secret key', async () => {
    const response = await fetch(`${baseUrl}/v1/customers`, { method: 'POST' });
    expect(response.status).toBe(401);
    await expect(response.json()).resolves.toMatchObject({ error: { type: 'invalid_request_error' } });

    const { port } = new URL(baseUrl);
    const error = await rejectionOf(client(Number(port), 'pk_test_publishable').customers.create({}));
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it('refunds a succeeded charge once and refuses a second full refund', async () => {
    const intent = await stripe.paymentIntents.create(offSessionCharge('pm_card_visa'));
    const refund = await stripe.refunds.create({ payment_intent: intent.id });
    expect(refund).toMatchObject({ amount: 2000, status: 'succeeded', payment_intent: intent.id });

    const error = await rejectionOf(stripe.refunds.create({ payment_intent: intent.id }));
    expect(error).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
    expect(await charges()).toEqual([expect.objectContaining({ amount_refunded: 2000, refunded: true })]);
  });

  it('refuses a KWD amount whose last digit is not zero and accepts it rounded to ten', async () => {
    const error = await rejectionOf(stripe.paymentIntents.create(offSessionCharge('pm_card_visa', { amount: 5125, currency: 'kwd' })));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, param: 'amount' });

    const intent = await stripe.paymentIntents.create(offSessionCharge('pm_card_visa', { amount: 5120, currency: 'kwd' }));
    expect(intent).toMatchObject({ status: 'succeeded', amount: 5120, currency: 'kwd' });
    expect(await charges()).toHaveLength(1);
  });

  it('refuses an ISK amount that is not a whole krona at the API (multiple of 100)', async () => {
    const error = await rejectionOf(stripe.paymentIntents.create(offSessionCharge('pm_card_visa', { amount: 15050, currency: 'isk' })));
    expect(error).toMatchObject({ statusCode: 400, param: 'amount' });
    await expect(
      stripe.paymentIntents.create(offSessionCharge('pm_card_visa', { amount: 15000, currency: 'isk' })),
    ).resolves.toMatchObject({ status: 'succeeded' });
  });

  it.each([
    ['usd', 49, 50],
    ['jpy', 49, 50],
    ['gbp', 29, 30],
    ['huf', 17499, 17500],
  ])('refuses %s %i as amount_too_small and charges %i', async (currency, below, minimum) => {
    const error = await rejectionOf(stripe.paymentIntents.create(offSessionCharge('pm_card_visa', { amount: below, currency })));
    expect(error).toMatchObject({ statusCode: 400, code: 'amount_too_small', param: 'amount' });
    await expect(
      stripe.paymentIntents.create(offSessionCharge('pm_card_visa', { amount: minimum, currency })),
    ).resolves.toMatchObject({ status: 'succeeded' });
  });

  it.each([
    ['a fractional amount', { amount: '10.5' }],
    ['a zero amount', { amount: 0 }],
    ['an unknown currency', { currency: 'xyz' }],
    ['an upper-case currency', { currency: 'USD' }],
    ['an unknown parameter', { amout: 100 }],
  ])('refuses %s with a 400 invalid_request_error', async (_label, extra) => {
    const error = await rejectionOf(
      stripe.paymentIntents.create(offSessionCharge('pm_card_visa', extra as Partial<Stripe.PaymentIntentCreateParams>)),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(400);
    expect(await charges()).toHaveLength(0);
  });
});

describe('stripe sandbox: idempotency keys', () => {
  beforeEach(() => start());

  it('replays the first answer for the same key and parameters, and charges once', async () => {
    const first = await stripe.paymentIntents.create(offSessionCharge('pm_card_visa'), { idempotencyKey: 'inv_1:attempt_1' });
    const second = await stripe.paymentIntents.create(offSessionCharge('pm_card_visa'), { idempotencyKey: 'inv_1:attempt_1' });

    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(await charges()).toHaveLength(1);
  });

  it('replays a decline with the same status and body without charging again', async () => {
    const key = 'inv_2:attempt_1';
    const first = await rejectionOf(stripe.paymentIntents.create(offSessionCharge('pm_card_visa_chargeDeclined'), { idempotencyKey: key }));
    const second = await rejectionOf(stripe.paymentIntents.create(offSessionCharge('pm_card_visa_chargeDeclined'), { idempotencyKey: key }));

    expect(second).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(second.payment_intent.id).toBe(first.payment_intent.id);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await charges()).toHaveLength(1);
  });

  it('refuses the same key with different parameters with an idempotency error', async () => {
    await stripe.paymentIntents.create(offSessionCharge('pm_card_visa'), { idempotencyKey: 'inv_3:attempt_1' });
    const error = await rejectionOf(
      stripe.paymentIntents.create(offSessionCharge('pm_card_visa', { amount: 2100 }), { idempotencyKey: 'inv_3:attempt_1' }),
    );

    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error).toMatchObject({ statusCode: 400, rawType: 'idempotency_error' });
    expect(await charges()).toHaveLength(1);
  });

  it('refuses a key reused on another endpoint', async () => {
    await stripe.customers.create({ email: 'c@example.com' }, { idempotencyKey: 'shared-key' });
    const error = await rejectionOf(stripe.paymentIntents.create(offSessionCharge('pm_card_visa'), { idempotencyKey: 'shared-key' }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('does not store a refused request, so a corrected retry with the same key goes through', async () => {
    const refused = await rejectionOf(
      stripe.paymentIntents.create(offSessionCharge('pm_card_visa', { amount: 5125, currency: 'kwd' }), { idempotencyKey: 'k-fix' }),
    );
    expect(refused.statusCode).toBe(400);
    await expect(
      stripe.paymentIntents.create(offSessionCharge('pm_card_visa', { amount: 5120, currency: 'kwd' }), { idempotencyKey: 'k-fix' }),
    ).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('answers 409 to a request whose key is still in flight and charges once', async () => {
    await control('POST', '/_sandbox/config', { latencyMs: 150 });
    const results = await Promise.allSettled([
      stripe.paymentIntents.create(offSessionCharge('pm_card_visa'), { idempotencyKey: 'inv_4:attempt_1' }),
      stripe.paymentIntents.create(offSessionCharge('pm_card_visa'), { idempotencyKey: 'inv_4:attempt_1' }),
    ]);

    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected?.reason).toMatchObject({ statusCode: 409, rawType: 'idempotency_error', code: 'idempotency_key_in_use' });
    expect(await charges()).toHaveLength(1);
  });
});

describe('stripe sandbox: fault injection', () => {
  beforeEach(() => start({ seed: 7 }));

  it('drops the connection after charging; a retry with the same key returns the same PaymentIntent and no second charge', async () => {
    await expect(control('POST', '/_sandbox/config', { dropAfterChargeRate: 1 })).resolves.toMatchObject({ status: 200 });
    const key = 'inv_5:attempt_1';

    // stripe-node retries a reset connection once by itself (same key); that replay is dropped too.
    const error = await rejectionOf(stripe.paymentIntents.create(offSessionCharge('pm_card_visa'), { idempotencyKey: key }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    const afterDrop = await charges();
    expect(afterDrop).toEqual([expect.objectContaining({ status: 'succeeded', idempotency_key: key })]);

    await control('POST', '/_sandbox/config', { dropAfterChargeRate: 0 });
    const retried = await stripe.paymentIntents.create(offSessionCharge('pm_card_visa'), { idempotencyKey: key });

    expect(retried).toMatchObject({ id: afterDrop[0].payment_intent, status: 'succeeded' });
    expect(retried.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(await charges()).toHaveLength(1);
  });

  it('answers injected 500s without executing, so a retry with the same key charges exactly once', async () => {
    await control('POST', '/_sandbox/config', { errorRate: 1 });
    const error = await rejectionOf(stripe.paymentIntents.create(offSessionCharge('pm_card_visa'), { idempotencyKey: 'k-500' }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(error.statusCode).toBe(500);
    expect(await charges()).toHaveLength(0);

    await control('POST', '/_sandbox/config', { errorRate: 0 });
    await expect(
      stripe.paymentIntents.create(offSessionCharge('pm_card_visa'), { idempotencyKey: 'k-500' }),
    ).resolves.toMatchObject({ status: 'succeeded' });
    expect(await charges()).toHaveLength(1);
  });

  it('injects the same faults in the same order for the same seed', async () => {
    const outcomes = async (): Promise<string[]> => {
      await control('POST', '/_sandbox/reset');
      await control('POST', '/_sandbox/config', { errorRate: 0.5, seed: 42 });
      const results: string[] = [];
      for (let i = 0; i < 12; i += 1) {
        results.push(
          await stripe.customers.create({}).then(
            () => 'ok',
            (e: { statusCode?: number }) => String(e.statusCode),
          ),
        );
      }
      return results;
    };

    const first = await outcomes();
    expect(first).toContain('ok');
    expect(first).toContain('500');
    await expect(outcomes()).resolves.toEqual(first);
  });

  it('refuses an invalid config patch with 400 naming the field', async () => {
    const { status, json } = await control('POST', '/_sandbox/config', { errorRate: 2 });
    expect(status).toBe(400);
    expect(json.error.issues).toEqual([expect.objectContaining({ path: 'errorRate' })]);
  });

  it('forgets charges, objects and keys on reset', async () => {
    await stripe.paymentIntents.create(offSessionCharge('pm_card_visa'), { idempotencyKey: 'k-reset' });
    await control('POST', '/_sandbox/reset');
    expect(await charges()).toHaveLength(0);
    const again = await stripe.paymentIntents.create(offSessionCharge('pm_card_visa'), { idempotencyKey: 'k-reset' });
    expect(again.lastResponse.headers['idempotent-replayed']).toBeUndefined();
  });
});

describe('stripe sandbox: rate limit', () => {
  beforeEach(() => start());

  const settle = (count: number, keyPrefix: string) =>
    Promise.allSettled(
      Array.from({ length: count }, (_, i) =>
        stripe.paymentIntents.create(offSessionCharge('pm_card_visa'), { idempotencyKey: `${keyPrefix}:${i}` }),
      ),
    );

  it('answers a burst above the limit with 429 rate_limit errors that charge nothing, and counts them', async () => {
    await control('POST', '/_sandbox/config', { rateLimit: { perSecond: 5, burst: 5 } });
    const results = await settle(20, 'burst');

    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(fulfilled.length).toBeGreaterThanOrEqual(5);
    expect(rejected.length).toBeGreaterThan(0);
    for (const { reason } of rejected) {
      expect(reason).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(reason).toMatchObject({ statusCode: 429, code: 'rate_limit', rawType: 'invalid_request_error' });
    }
    const charged = await charges();
    expect(charged).toHaveLength(fulfilled.length);
    const limitedKeys = new Set(rejected.map(({ reason }) => reason.headers['idempotency-key']));
    expect(charged.filter((c) => limitedKeys.has(c.idempotency_key))).toEqual([]);

    const { json } = await control('GET', '/_sandbox/stats');
    expect(json.rateLimit).toEqual({ perSecond: 5, burst: 5 });
    expect(json.endpoints['POST /v1/payment_intents']).toEqual({
      requests: 20,
      rateLimited: rejected.length,
      statuses: { '200': fulfilled.length, '429': rejected.length },
    });
    expect(json.totals).toMatchObject({ requests: 20, rateLimited: rejected.length });
  });

  it('does not lock the idempotency key of a 429, so the retry with that key charges', async () => {
    await control('POST', '/_sandbox/config', { rateLimit: { perSecond: 0.001, burst: 1 } });
    await stripe.customers.create({});
    const limited = await rejectionOf(stripe.paymentIntents.create(offSessionCharge('pm_card_visa'), { idempotencyKey: 'k-429' }));
    expect(limited).toBeInstanceOf(Stripe.errors.StripeRateLimitError);

    await control('POST', '/_sandbox/config', { rateLimit: null });
    const retried = await stripe.paymentIntents.create(offSessionCharge('pm_card_visa'), { idempotencyKey: 'k-429' });
    expect(retried.status).toBe('succeeded');
    expect(retried.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(await charges()).toHaveLength(1);
  });

  it('leaves a 429 to the caller: stripe-node does not retry it, even with retries enabled', async () => {
    await control('POST', '/_sandbox/config', { rateLimit: { perSecond: 0.001, burst: 1 } });
    await stripe.customers.create({});
    const { port } = new URL(baseUrl);
    const retrying = new Stripe('sk_test_sandbox', { host: '127.0.0.1', port: Number(port), protocol: 'http', maxNetworkRetries: 2 });

    const error = await rejectionOf(retrying.customers.create({}));
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    const { json } = await control('GET', '/_sandbox/stats');
    expect(json.endpoints['POST /v1/customers']).toMatchObject({ requests: 2, rateLimited: 1 });
  });

  it('lets everything through again once the limit is set to null', async () => {
    await control('POST', '/_sandbox/config', { rateLimit: { perSecond: 1, burst: 1 } });
    await control('POST', '/_sandbox/config', { rateLimit: null });
    const results = await settle(20, 'unlimited');

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await charges()).toHaveLength(20);
    await expect(control('GET', '/_sandbox/config')).resolves.toMatchObject({ json: { rateLimit: null } });
  });

  it('accepts no more than rate × seconds + burst under steady overload', async () => {
    const perSecond = 20;
    const burst = 2;
    const started = Date.now();
    await control('POST', '/_sandbox/config', { rateLimit: { perSecond, burst } });
    let accepted = 0;
    let limited = 0;
    const hammer = async () => {
      while (Date.now() - started < 2000) {
        await stripe.customers.create({}).then(
          () => (accepted += 1),
          (error: unknown) => {
            if (!(error instanceof Stripe.errors.StripeRateLimitError)) throw error;
            limited += 1;
          },
        );
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await Promise.all([hammer(), hammer(), hammer(), hammer()]);
    const elapsedSeconds = (Date.now() - started) / 1000;

    expect(accepted).toBeLessThanOrEqual(Math.floor(perSecond * elapsedSeconds) + burst);
    expect(accepted).toBeGreaterThanOrEqual(perSecond * 1.5);
    expect(limited).toBeGreaterThan(0);
    const { json } = await control('GET', '/_sandbox/stats');
    expect(json.endpoints['POST /v1/customers']).toEqual({
      requests: accepted + limited,
      rateLimited: limited,
      statuses: { '200': accepted, '429': limited },
    });
  });

  it('refuses an invalid rate limit with 400 naming the field', async () => {
    const { status, json } = await control('POST', '/_sandbox/config', { rateLimit: { perSecond: 0 } });
    expect(status).toBe(400);
    expect(json.error.issues).toEqual([expect.objectContaining({ path: 'rateLimit.perSecond' })]);
  });

  it('starts limited when created with a rate limit, and reset restores it and clears the counts', async () => {
    await sandbox.close();
    await start({ rateLimit: { perSecond: 0.001 } });
    await stripe.customers.create({});
    await expect(rejectionOf(stripe.customers.create({}))).resolves.toBeInstanceOf(Stripe.errors.StripeRateLimitError);

    await control('POST', '/_sandbox/reset');
    const { json } = await control('GET', '/_sandbox/stats');
    expect(json).toEqual({
      rateLimit: { perSecond: 0.001, burst: 1 },
      totals: { requests: 0, rateLimited: 0, statuses: {} },
      endpoints: {},
    });
    await expect(stripe.customers.create({})).resolves.toMatchObject({ object: 'customer' });
  });
});

describe('stripe sandbox: webhooks', () => {
  const secret = 'whsec_test_sandbox_secret';
  let receiver: http.Server;
  let received: Array<{ body: string; signature: string }>;
  let waiters: Array<() => void>;

  beforeEach(async () => {
    received = [];
    waiters = [];
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['stripe-signature']) });
        res.writeHead(200).end();
        waiters.splice(0).forEach((wake) => wake());
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    await start({
      webhook: {
        url: `http://127.0.0.1:${port}/stripe/webhooks`,
        secret,
        enabledEvents: ['payment_intent.succeeded', 'payment_intent.payment_failed'],
      },
    });
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => {
      receiver.close(() => resolve());
      receiver.closeAllConnections();
    });
  });

  async function nextDelivery(count: number): Promise<void> {
    while (received.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
  }

  it('delivers payment_intent.succeeded signed so that stripe.webhooks.constructEvent accepts it', async () => {
    const intent = await stripe.paymentIntents.create(offSessionCharge('pm_card_visa'), { idempotencyKey: 'k-wh' });
    await nextDelivery(1);

    const event = stripe.webhooks.constructEvent(received[0].body, received[0].signature, secret);
    expect(event.type).toBe('payment_intent.succeeded');
    expect(event.data.object).toMatchObject({ id: intent.id, status: 'succeeded', metadata: { invoice_id: 'inv_1' } });
    expect(event.request).toEqual({ id: expect.any(String), idempotency_key: 'k-wh' });
  });

  it('delivers payment_intent.payment_failed with the decline on the intent', async () => {
    await rejectionOf(stripe.paymentIntents.create(offSessionCharge('pm_card_visa_chargeDeclinedInsufficientFunds')));
    await nextDelivery(1);

    const event = stripe.webhooks.constructEvent(received[0].body, received[0].signature, secret);
    expect(event.type).toBe('payment_intent.payment_failed');
    expect(event.data.object).toMatchObject({ last_payment_error: { decline_code: 'insufficient_funds' } });
  });

  it('signs so that a tampered payload or another secret fails verification', async () => {
    await stripe.paymentIntents.create(offSessionCharge('pm_card_visa'));
    await nextDelivery(1);

    const tampered = received[0].body.replace('"amount": 2000', '"amount": 1');
    expect(tampered).not.toBe(received[0].body);
    expect(() => stripe.webhooks.constructEvent(tampered, received[0].signature, secret)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    expect(() => stripe.webhooks.constructEvent(received[0].body, received[0].signature, 'whsec_other')).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it('records the delivery of each event', async () => {
    await stripe.paymentIntents.create(offSessionCharge('pm_card_visa'));
    await nextDelivery(1);
    await sandbox.drainWebhooks();

    const { json } = await control('GET', '/_sandbox/events');
    expect(json.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'payment_intent.succeeded', delivered: true, deliveries: [expect.objectContaining({ status: 200 })] }),
      ]),
    );
  });
});

describe('stripe sandbox: refunds through the SDK', () => {
  beforeEach(() => start());

  const refunds = async (query = '') => (await control('GET', `/_sandbox/refunds${query}`)).json.data as { id: string; amount: number; status: string; idempotency_key: string | null }[];

  it('refunds a JPY charge partly, then the rest, retrieves each refund, and refuses a third', async () => {
    const intent = await stripe.paymentIntents.create(offSessionCharge('pm_card_visa', { amount: 5000, currency: 'jpy' }));

    const part = await stripe.refunds.create({ payment_intent: intent.id, amount: 1200 });
    expect(part).toMatchObject({ object: 'refund', amount: 1200, currency: 'jpy', status: 'succeeded', payment_intent: intent.id });
    const rest = await stripe.refunds.create({ payment_intent: intent.id });
    expect(rest).toMatchObject({ amount: 3800, status: 'succeeded' });
    await expect(stripe.refunds.retrieve(part.id)).resolves.toMatchObject({ id: part.id, amount: 1200 });

    const error = await rejectionOf(stripe.refunds.create({ payment_intent: intent.id, amount: 1 }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
    expect(await charges()).toEqual([expect.objectContaining({ amount: 5000, amount_refunded: 5000, refunded: true })]);
    const missing = await rejectionOf(stripe.refunds.retrieve('re_missing'));
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('refuses a KWD refund above what is left (amount_too_large) or not ending in 0, and takes one ending in 0', async () => {
    const intent = await stripe.paymentIntents.create(offSessionCharge('pm_card_visa', { amount: 5120, currency: 'kwd' }));

    expect(await rejectionOf(stripe.refunds.create({ payment_intent: intent.id, amount: 5130 }))).toMatchObject({
      statusCode: 400,
      code: 'amount_too_large',
    });
    expect(await rejectionOf(stripe.refunds.create({ payment_intent: intent.id, amount: 1235 }))).toMatchObject({
      statusCode: 400,
      param: 'amount',
    });
    await expect(stripe.refunds.create({ payment_intent: intent.id, amount: 1230 })).resolves.toMatchObject({ amount: 1230, currency: 'kwd' });
    expect(await charges()).toEqual([expect.objectContaining({ amount_refunded: 1230 })]);
  });

  it('replays a refund for the same key and parameters, and refuses the key with other parameters', async () => {
    const intent = await stripe.paymentIntents.create(offSessionCharge('pm_card_visa'));

    const first = await stripe.refunds.create({ payment_intent: intent.id, amount: 700 }, { idempotencyKey: 'refund:cn_1' });
    const again = await stripe.refunds.create({ payment_intent: intent.id, amount: 700 }, { idempotencyKey: 'refund:cn_1' });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');

    const error = await rejectionOf(stripe.refunds.create({ payment_intent: intent.id, amount: 800 }, { idempotencyKey: 'refund:cn_1' }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
    expect(await refunds()).toEqual([expect.objectContaining({ id: first.id, amount: 700, idempotency_key: 'refund:cn_1' })]);
    expect(await charges()).toEqual([expect.objectContaining({ amount_refunded: 700 })]);
  });

  it('makes a failed refund that moves no money while refundFailureReason is set, replayed as failed for its key', async () => {
    const intent = await stripe.paymentIntents.create(offSessionCharge('pm_card_visa'));
    expect((await control('POST', '/_sandbox/config', { refundFailureReason: 'lost_or_stolen_card' })).status).toBe(200);

    const failed = await stripe.refunds.create({ payment_intent: intent.id }, { idempotencyKey: 'refund:cn_2' });
    expect(failed).toMatchObject({ status: 'failed', failure_reason: 'lost_or_stolen_card', amount: 2000 });
    await control('POST', '/_sandbox/config', { refundFailureReason: null });
    const replayed = await stripe.refunds.create({ payment_intent: intent.id }, { idempotencyKey: 'refund:cn_2' });
    expect(replayed).toMatchObject({ id: failed.id, status: 'failed' });
    expect(await charges()).toEqual([expect.objectContaining({ amount_refunded: 0, refunded: false })]);
    expect((await control('POST', '/_sandbox/config', { refundFailureReason: 'nope' })).status).toBe(400);
  });

  it('drops the connection after making the refund with dropAfterRefundRate; the retry with the same key refunds nothing more', async () => {
    const intent = await stripe.paymentIntents.create(offSessionCharge('pm_card_visa'));
    await control('POST', '/_sandbox/config', { dropAfterRefundRate: 1 });

    const error = await rejectionOf(stripe.refunds.create({ payment_intent: intent.id, amount: 500 }, { idempotencyKey: 'refund:cn_3' }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(await refunds('?idempotency_key=refund:cn_3')).toHaveLength(1);

    await control('POST', '/_sandbox/config', { dropAfterRefundRate: 0 });
    const retried = await stripe.refunds.create({ payment_intent: intent.id, amount: 500 }, { idempotencyKey: 'refund:cn_3' });
    expect(retried).toMatchObject({ amount: 500, status: 'succeeded' });
    expect(await refunds()).toHaveLength(1);
    expect(await charges()).toEqual([expect.objectContaining({ amount_refunded: 500 })]);
    const stats = (await control('GET', '/_sandbox/stats')).json;
    expect(stats.endpoints['POST /v1/refunds'].statuses).toMatchObject({ dropped: 2, 200: 1 });
  });
});
