import { randomUUID } from 'node:crypto';
import { TransientError, createLogger, wasRetried } from '@billing/messaging';
import { waitFor } from '@billing/testing';
import { SandboxProcess, sleep } from '../../../test/support';
import { loadPaymentsConfig } from '../../config';
import { OffSessionCharge } from '../application/payment-provider';
import { createStripeClient } from './stripe-client';
import { StripePaymentProvider } from './stripe-payment-provider';

const logger = createLogger('stripe-provider-test', 'silent');
const MAX_NETWORK_RETRIES = 2;

describe('StripePaymentProvider: one retry layer per Stripe call (real SDK against the sandbox)', () => {
  let sandbox: SandboxProcess;
  let provider: StripePaymentProvider;

  beforeAll(async () => {
    sandbox = await SandboxProcess.start();
    const config = loadPaymentsConfig({
      STRIPE_API_PORT: String(sandbox.port),
      STRIPE_MAX_NETWORK_RETRIES: String(MAX_NETWORK_RETRIES),
      STRIPE_TIMEOUT_MS: '400',
    });
    provider = new StripePaymentProvider(createStripeClient(config));
  });

  afterAll(() => sandbox.stop());

  afterEach(() => sandbox.configure({ errorRate: 0, latencyMs: 0 }));

  const charge = (currency: string, amount: number): OffSessionCharge => {
    const invoiceId = randomUUID();
    return {
      idempotencyKey: `invoice:${invoiceId}:attempt:1`,
      amount,
      currency,
      customerId: null,
      paymentMethodId: 'pm_card_visa',
      metadata: { invoice_id: invoiceId, account_id: 'acct-retry', attempt: '1' },
    };
  };
  const requestsWith = (key: string) => sandbox.logs.filter((l) => l.msg === 'request' && l.idempotencyKey === key);

  it('calls Stripe at most 1 + maxNetworkRetries times when every answer is a 500, then hands over an outage already retried (JPY)', async () => {
    await sandbox.configure({ errorRate: 1 });
    const request = charge('jpy', 5_000);

    const failure = await provider.chargeOffSession(request, logger).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(TransientError);
    expect(wasRetried(failure)).toBe(true); // the consumer must not run the call again in-process
    expect((failure as TransientError).outage).toBe(true); // Stripe failing as a whole blocks, never dead-letters
    await sleep(200); // the sandbox's log lines are read from its stdout
    expect(requestsWith(request.idempotencyKey).map((l) => l.status)).toEqual([500, 500, 500]);
    expect(await sandbox.chargesFor(request.metadata.invoice_id)).toEqual([]);

    await sandbox.configure({ errorRate: 0 });
    await expect(provider.chargeOffSession(request, logger)).resolves.toMatchObject({ kind: 'succeeded' });
    expect(await sandbox.chargesFor(request.metadata.invoice_id)).toEqual([expect.objectContaining({ amount: 5_000, currency: 'jpy' })]);
  });

  it('repeats a call that times out with the same idempotency key, at most 1 + maxNetworkRetries times, and charges once (KWD)', async () => {
    await sandbox.configure({ latencyMs: 1_500 });
    const request = charge('kwd', 12_340);

    const failure = await provider.chargeOffSession(request, logger).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(TransientError);
    expect(wasRetried(failure)).toBe(true);
    expect((failure as TransientError).outage).toBe(false); // may be this payload's: spends the redelivery budget
    await waitFor(async () => requestsWith(request.idempotencyKey).length === 1 + MAX_NETWORK_RETRIES, {
      what: 'the sandbox to answer every repeat',
    });
    await sleep(1_600);
    expect(requestsWith(request.idempotencyKey)).toHaveLength(1 + MAX_NETWORK_RETRIES);

    await sandbox.configure({ latencyMs: 0 });
    await expect(provider.chargeOffSession(request, logger)).resolves.toMatchObject({ kind: 'succeeded' });
    const charges = await sandbox.chargesFor(request.metadata.invoice_id);
    expect(charges).toEqual([expect.objectContaining({ amount: 12_340, currency: 'kwd', idempotency_key: request.idempotencyKey })]);
  });
});
