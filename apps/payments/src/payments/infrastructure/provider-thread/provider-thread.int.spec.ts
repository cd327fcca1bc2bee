import { TransientError, createLogger } from '@billing/messaging';
import { SandboxProcess, offSessionCharge, sleep } from '../../../../test/support';
import { loadPaymentsConfig } from '../../../config';
import { StripePaymentProvider } from '../stripe-payment-provider';
import { ThreadedStripeCalls } from './provider-thread';

const logger = createLogger('provider-thread-test', 'silent');

describe('the provider thread (real SDK in a worker thread against the sandbox)', () => {
  let sandbox: SandboxProcess;
  let calls: ThreadedStripeCalls;
  let provider: StripePaymentProvider;

  beforeAll(async () => {
    sandbox = await SandboxProcess.start();
    calls = new ThreadedStripeCalls(loadPaymentsConfig({ STRIPE_API_PORT: String(sandbox.port), STRIPE_MAX_NETWORK_RETRIES: '0' }));
    provider = new StripePaymentProvider(calls);
    await calls.onModuleInit();
  });

  afterAll(async () => {
    await calls.onModuleDestroy();
    await sandbox.stop();
  });

  const charge = (currency: string, amount: number) => offSessionCharge(currency, amount, 'acct-thread');

  it('fails a call in flight when the thread stops as an outage (redelivered, never a decline); the next call starts a new thread and the same key charges once (KWD)', async () => {
    await sandbox.configure({ latencyMs: 800 });
    const request = charge('kwd', 7_250);
    const inFlight = provider.chargeOffSession(request, logger).catch((error: unknown) => error);
    await sleep(300);
    await calls.onModuleDestroy();

    const failure = await inFlight;
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as TransientError).outage).toBe(true);

    await sandbox.configure({ latencyMs: 0 });
    await sleep(800); // the first request reached the sandbox and is answered into the void
    await expect(provider.chargeOffSession(request, logger)).resolves.toMatchObject({ kind: 'succeeded' });
    expect(await sandbox.chargesFor(request.metadata.invoice_id)).toEqual([expect.objectContaining({ amount: 7_250, currency: 'kwd' })]);
  });

  it('lets paced calls out at their slots, spaced, in slot order whatever order they were handed over in (JPY)', async () => {
    const start = Date.now() + 200;
    const slots = [3, 0, 2, 1].map((i) => ({ i, slot: { atMs: start + i * 100, spacingMs: 100, burst: 1 } }));
    const answered: { i: number; at: number }[] = [];
    await Promise.all(
      slots.map(({ i, slot }) =>
        provider.chargeOffSession(charge('jpy', 1_000 + i), logger, slot).then((answer) => {
          expect(answer.kind).toBe('succeeded');
          answered.push({ i, at: Date.now() });
        }),
      ),
    );
    expect(answered.map((a) => a.i)).toEqual([0, 1, 2, 3]);
    answered.forEach(({ i, at }) => expect(at).toBeGreaterThanOrEqual(start + i * 100));
  });

  it('does not send a call whose slot passed more than a burst ago: it answers slot_missed and the caller takes a new slot (HUF, ×100)', async () => {
    const before = await calls.releaseStats();
    const request = charge('huf', 250_000);
    const answer = await provider.chargeOffSession(request, logger, { atMs: Date.now() - 1_000, spacingMs: 10, burst: 4 });

    expect(answer).toEqual({ kind: 'slot_missed' });
    expect(await sandbox.chargesFor(request.metadata.invoice_id)).toEqual([]);
    expect((await calls.releaseStats()).missed).toBe(before.missed + 1);
    // a call late by less than a burst's worth still goes out
    await expect(provider.chargeOffSession(request, logger, { atMs: Date.now() - 20, spacingMs: 10, burst: 4 })).resolves.toMatchObject({ kind: 'succeeded' });
  });
});
