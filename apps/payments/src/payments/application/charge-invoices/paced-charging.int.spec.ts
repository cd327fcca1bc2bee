import { INestApplication } from '@nestjs/common';
import { AssignerProtocol, Producer } from 'kafkajs';
import request from 'supertest';
import { hashToken } from '@billing/messaging';
import { testKafka, waitFor } from '@billing/testing';
import { PaymentsTestService, SandboxProcess, invoiceGenerated, produce, sleep } from '../../../../test/support';
import { ChargeBacklog } from '../report-charge-backlog/report-charge-backlog';

const FINANCE_TOKEN = 'finance-token-pace';
/** The sandbox answers 429 beyond 20/s (burst 2); payments' budget is a little below it. */
const SANDBOX_LIMIT = { perSecond: 20, burst: 2 };
const BUDGET = 18;

describe('charging at the provider pace (Stripe sandbox with a rate limit, real Kafka and PostgreSQL)', () => {
  const service = new PaymentsTestService('pace');
  const { emitted } = service;
  let sandbox: SandboxProcess;
  let app: INestApplication;
  let producer: Producer;
  let customerId: string;

  beforeAll(async () => {
    ({ sandbox, app, producer, customerId } = await service.start({
      AUTH_TOKENS: `finance:sha256=${hashToken(FINANCE_TOKEN)}`,
      STRIPE_MAX_REQUESTS_PER_SECOND: String(BUDGET),
    }));
    await sandbox.configure({ rateLimit: SANDBOX_LIMIT });
  });

  afterAll(() => service.stop());

  afterEach(async () => {
    await sandbox.configure({ rateLimit: SANDBOX_LIMIT });
  });

  const backlog = async (): Promise<ChargeBacklog> =>
    (await request(app.getHttpServer()).get('/v1/charges/backlog').set('Authorization', `Bearer ${FINANCE_TOKEN}`).expect(200)).body;

  const invoices = (count: number) =>
    Array.from({ length: count }, () => invoiceGenerated({ providerCustomerId: customerId, paymentMethodId: 'pm_card_visa' }));

  /** Every invoice charged successfully, none failed, nothing dead-lettered. */
  async function expectAllSucceeded(batch: ReturnType<typeof invoices>, timeoutMs: number) {
    await waitFor(async () => batch.every((i) => emitted.for(i.payload.invoiceId, 'ChargeSucceeded').length === 1), {
      what: `${batch.length} charges succeeded`,
      timeoutMs,
    });
    expect(batch.filter((i) => emitted.for(i.payload.invoiceId, 'ChargeFailed').length > 0)).toEqual([]);
    expect(emitted.deadLetters).toEqual([]);
  }

  const lastOutcomeAt = (batch: ReturnType<typeof invoices>) =>
    Math.max(...batch.map((i) => Date.parse(emitted.for(i.payload.invoiceId, 'ChargeSucceeded')[0].occurredAt)));

  /** Charges `count` new invoices; the seconds to the last outcome and what the sandbox saw meanwhile. */
  async function chargeAll(count: number) {
    const before = await sandbox.stats();
    const batch = invoices(count);
    const started = Date.now();
    await produce(producer, service.prefix, batch);
    await expectAllSucceeded(batch, 40_000);
    const seconds = (lastOutcomeAt(batch) - started) / 1000;
    const after = await sandbox.stats();
    return { seconds, before, after, calls: after.paymentIntents.requests - before.paymentIntents.requests };
  }

  it('paces a burst of invoices above the provider limit without a failed charge', async () => {
    const { seconds, before, after, calls } = await chargeAll(60);
    // paced: 60 calls cannot go out faster than the budget allows (burst 1)
    expect(seconds).toBeGreaterThanOrEqual((60 - 1) / BUDGET - 0.2);
    expect(calls - (after.paymentIntents.rateLimited - before.paymentIntents.rateLimited)).toBe(60);
    expect(after.rateLimited - before.rateLimited).toBeLessThanOrEqual(3);
  }, 60_000);

  it('slows down in a 429 storm (limit lowered mid-run), fails nothing, and speeds up again when it is lifted', async () => {
    const before = await sandbox.stats();
    const batch = invoices(200);
    await produce(producer, service.prefix, batch);
    // outcomes are emitted when a whole batch commits: the sandbox sees each call as it happens
    await waitFor(async () => (await sandbox.stats()).paymentIntents.requests - before.paymentIntents.requests >= 20, {
      what: '20 charges before the storm',
      timeoutMs: 20_000,
    });
    await sandbox.configure({ rateLimit: { perSecond: 5, burst: 1 } });
    const rates: number[] = [];
    for (let i = 0; i < 10; i++) {
      await sleep(500);
      const now = await backlog();
      rates.push(now.pace!.ratePerSecond);
      expect(now.pace!.budgetPerSecond).toBe(BUDGET);
    }
    const stormRate = Math.min(...rates);
    expect(stormRate).toBeLessThanOrEqual(BUDGET / 2); // the shared rate visibly dropped
    const waiting = await backlog();
    expect(waiting.chargesWaiting).toBeGreaterThan(0);

    await sandbox.configure({ rateLimit: SANDBOX_LIMIT });
    await waitFor(async () => (await backlog()).pace!.ratePerSecond >= stormRate + 4, { what: 'the pace recovered', timeoutMs: 20_000 });
    await expectAllSucceeded(batch, 40_000);
    const after = await sandbox.stats();
    expect(after.rateLimited - before.rateLimited).toBeGreaterThan(0); // the storm did happen
    await waitFor(async () => (await backlog()).chargesWaiting === 0, { what: 'no charge waiting', timeoutMs: 10_000 });
  }, 60_000);

  it('keeps two payments instances in one consumer group under the budget together', async () => {
    await service.startAnotherInstance();
    const admin = testKafka('payments-pace-admin').admin();
    await admin.connect();
    try {
      const groupId = `${service.prefix}payments.charge-invoices`;
      // both instances own a partition of the group before the invoices arrive
      await waitFor(
        async () => {
          const { groups } = await admin.describeGroups([groupId]);
          const members = groups[0]?.members ?? [];
          return (
            groups[0]?.state === 'Stable' &&
            members.length === 2 &&
            members.every((m) => Object.keys(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {}).length > 0)
          );
        },
        { what: 'two members with partitions', timeoutMs: 40_000 },
      );
    } finally {
      await admin.disconnect();
    }
    await sleep(1500); // let the bucket refill after the storm test: measure steady pacing
    const { seconds, before, after, calls } = await chargeAll(80);
    expect(calls / seconds).toBeLessThanOrEqual(BUDGET + 1);
    expect(after.rateLimited - before.rateLimited).toBeLessThanOrEqual(3);
  }, 60_000);
});
