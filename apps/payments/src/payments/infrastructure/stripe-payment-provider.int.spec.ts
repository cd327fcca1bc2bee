import { PermanentError, TransientError, createLogger, wasRetried } from '@billing/messaging';
import { waitFor } from '@billing/testing';
import { SandboxProcess, offSessionCharge, sleep } from '../../../test/support';
import { loadPaymentsConfig } from '../../config';
import { ThreadedStripeCalls } from './provider-thread/provider-thread';
import { InProcessStripeCalls, StripeCalls } from './stripe-calls';
import { StripeClientSettings, createStripeClient } from './stripe-client';
import { StripePaymentProvider } from './stripe-payment-provider';

const logger = createLogger('stripe-provider-test', 'silent');
const MAX_NETWORK_RETRIES = 2;

// the same answers whether the SDK runs on the consumer's thread or in the provider thread (paced)
const TRANSPORTS: [string, (settings: StripeClientSettings) => StripeCalls][] = [
  ['on the calling thread', (settings) => new InProcessStripeCalls(createStripeClient(settings))],
  ['in the provider thread', (settings) => new ThreadedStripeCalls(settings)],
];

describe.each(TRANSPORTS)('StripePaymentProvider %s: one retry layer per Stripe call (real SDK against the sandbox)', (_, transport) => {
  let sandbox: SandboxProcess;
  let calls: StripeCalls;
  let provider: StripePaymentProvider;

  beforeAll(async () => {
    sandbox = await SandboxProcess.start();
    const config = loadPaymentsConfig({
      STRIPE_API_PORT: String(sandbox.port),
      STRIPE_MAX_NETWORK_RETRIES: String(MAX_NETWORK_RETRIES),
      STRIPE_TIMEOUT_MS: '400',
    });
    calls = transport(config);
    provider = new StripePaymentProvider(calls);
  });

  afterAll(async () => {
    await (calls as Partial<ThreadedStripeCalls>).onModuleDestroy?.();
    await sandbox.stop();
  });

  afterEach(() => sandbox.configure({ errorRate: 0, latencyMs: 0 }));

  const charge = (currency: string, amount: number) => offSessionCharge(currency, amount, 'acct-retry');
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

  it('answers a decline as an outcome with its PaymentIntent and charge, and a paced call no sooner than its slot (ISK, zero-decimal ×100)', async () => {
    const request = { ...charge('isk', 150_000), paymentMethodId: 'pm_card_visa_chargeDeclinedInsufficientFunds' };
    const slot = { atMs: Date.now() + 300, spacingMs: 10, burst: 1 };

    const answer = await provider.chargeOffSession(request, logger, slot);

    expect(Date.now()).toBeGreaterThanOrEqual(slot.atMs);
    expect(answer).toMatchObject({ kind: 'declined', declineCode: 'insufficient_funds', retryable: true, paymentIntentId: expect.stringMatching(/^pi_/) });
    expect(answer.kind === 'declined' && answer.chargeId).toMatch(/^ch_/);
    expect((await calls.releaseStats()).released).toBeGreaterThanOrEqual(1);
  });

  it('refuses a request Stripe calls invalid as a bug (dead-lettered, never a decline) and charges the next one (KWD not ending in 0)', async () => {
    const bad = charge('kwd', 12_345); // three-decimal amounts must end in 0
    const failure = await provider.chargeOffSession(bad, logger).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(PermanentError);
    expect((failure as PermanentError).code).toBe('provider_invalid_request_error');
    expect(await sandbox.chargesFor(bad.metadata.invoice_id)).toEqual([]);
    await expect(provider.chargeOffSession(charge('kwd', 12_340), logger)).resolves.toMatchObject({ kind: 'succeeded' });
  });
});
