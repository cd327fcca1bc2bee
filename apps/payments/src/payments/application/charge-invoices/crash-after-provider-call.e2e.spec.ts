import { ChildProcess } from 'node:child_process';
import { Admin, Producer } from 'kafkajs';
import { Client } from 'pg';
import { TOPICS } from '@billing/events';
import { billingTopicConfigs, dropDatabase, ensureTopics, topicName } from '@billing/messaging';
import { DATABASE_SERVER_URL, readTopic, testKafka, uniqueName, uniquePrefix, waitFor } from '@billing/testing';
import { SandboxProcess, crashOf, creditNoteIssued, invoiceGenerated, produce, spawnPayments } from '../../../../test/support';

/**
 * The payments process (a real child process running apps/payments/src/main.ts) is SIGKILLed
 * right after Stripe answered and before the outcome is committed; a fresh process then gets
 * the event again from Kafka. Expect one charge and one ChargeSucceeded — and, for a credit note
 * refunded to the card, one refund at the provider and one RefundSucceeded.
 */
describe('payments killed after the provider call, before its transaction commits', () => {
  const database = uniqueName('payments_crash');
  const prefix = uniquePrefix('payments_crash');
  const kafka = testKafka('payments-crash-test');
  let sandbox: SandboxProcess;
  let customerId: string;
  let admin: Admin;
  let producer: Producer;
  let db: Client;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    sandbox = await SandboxProcess.start();
    customerId = (await sandbox.stripe.customers.create({ email: 'ada@example.com' })).id;
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, billingTopicConfigs({ prefix, partitions: 2 }));
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await db?.end();
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: billingTopicConfigs({ prefix, partitions: 2 }).map((t) => t.topic) }).catch(() => undefined);
    await admin?.disconnect();
    await sandbox?.stop();
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  const startPayments = (extraEnv: Record<string, string>) => {
    const running = spawnPayments({ database, prefix, sandboxPort: sandbox.port }, extraEnv);
    children.push(running.child);
    return running;
  };

  const database_ = async () => {
    if (db === undefined) {
      // The service creates its database on start: until then this throws, and waitFor tries again.
      const client = new Client({ connectionString: DATABASE_SERVER_URL.replace(/\/[^/]*$/, `/${database}`) });
      await client.connect().catch(async (error: unknown) => {
        await client.end().catch(() => undefined);
        throw error;
      });
      db = client;
    }
    return db;
  };

  const publishedOf = async (type: string, invoiceId: string) => {
    const published = await readTopic(topicName(prefix, TOPICS.payments), {
      until: (messages) => messages.some((m) => m.value?.includes(type) && m.value?.includes(invoiceId)),
      settleMs: 1_000,
    });
    return published.map((m) => JSON.parse(m.value!)).filter((e) => e.type === type && e.payload.invoiceId === invoiceId);
  };

  it('charges once and emits ChargeSucceeded once after a restart and redelivery', async () => {
    const invoice = invoiceGenerated({ providerCustomerId: customerId, paymentMethodId: 'pm_card_visa' });
    const { invoiceId } = invoice.payload;
    const key = `invoice:${invoiceId}:attempt:1`;

    const crashing = startPayments({ PAYMENTS_CRASH_AFTER_PROVIDER_CALL: '1' });
    await produce(producer, prefix, [invoice]);
    const crash = await crashOf(crashing);
    expect(crash.signal).toBe('SIGKILL');

    // Stripe charged; the outcome never committed: only the pending attempt (written before the call) is left.
    expect(await sandbox.chargesFor(invoiceId)).toHaveLength(1);
    await database_();
    const attempts = async () =>
      (await db.query('SELECT status, idempotency_key, provider_payment_intent_id, resolved_by FROM charge_attempts WHERE invoice_id = $1', [invoiceId])).rows;
    expect(await attempts()).toEqual([{ status: 'pending', idempotency_key: key, provider_payment_intent_id: null, resolved_by: null }]);
    expect((await db.query(`SELECT 1 FROM inbox WHERE consumer = 'charge-invoices' AND event_id = $1`, [invoice.eventId])).rowCount).toBe(0);
    expect((await db.query(`SELECT 1 FROM outbox WHERE event_type = 'ChargeSucceeded'`)).rowCount).toBe(0);

    const restarted = startPayments({});
    // The dead member must leave the consumer group (session timeout) before the event is redelivered.
    await waitFor(async () => (await attempts())[0]?.status === 'succeeded', {
      timeoutMs: 120_000,
      intervalMs: 250,
      what: 'the redelivered event to be recorded',
    });

    const charges = await sandbox.chargesFor(invoiceId);
    expect(charges).toHaveLength(1);
    expect(sandbox.replayedKeys()).toContain(key); // the second call was answered from Stripe's idempotency store
    expect(await attempts()).toEqual([
      { status: 'succeeded', idempotency_key: key, provider_payment_intent_id: charges[0].payment_intent, resolved_by: 'consumer' },
    ]);
    const succeeded = await publishedOf('ChargeSucceeded', invoiceId);
    expect(new Set(succeeded.map((e) => e.eventId)).size).toBe(1);
    expect(succeeded[0].payload.providerPaymentIntentId).toBe(charges[0].payment_intent);

    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toMatchObject({ code: 0 });
  });

  it('refunds a credit note once and emits RefundSucceeded once when killed after the refund call', async () => {
    // given an invoice paid by card (a process that does not crash)
    const invoice = invoiceGenerated({ currency: 'JPY', totalMinor: 5_000, providerCustomerId: customerId, paymentMethodId: 'pm_card_visa' });
    const { invoiceId } = invoice.payload;
    const attempt = async () =>
      (await (await database_()).query('SELECT status FROM charge_attempts WHERE invoice_id = $1', [invoiceId])).rows[0]?.status;
    const paying = startPayments({});
    await produce(producer, prefix, [invoice]);
    await waitFor(async () => (await attempt()) === 'succeeded', { timeoutMs: 120_000, intervalMs: 250, what: 'the charge' });
    const client = await database_();
    paying.child.kill('SIGTERM');
    expect(await paying.exited).toMatchObject({ code: 0 });

    // when a credit note refunds 2000 of it and the process dies right after the refund call
    const credit = creditNoteIssued(invoice, { totalMinor: 2_000, paidPartTo: 'refund' });
    const key = `refund:${credit.payload.creditNoteId}`;
    const crashing = startPayments({ PAYMENTS_CRASH_AFTER_PROVIDER_CALL: '1', LOG_LEVEL: 'info' });
    await produce(producer, prefix, [credit]);
    expect((await crashOf(crashing, 120_000)).signal).toBe('SIGKILL');

    // then the provider refunded, the refund row is still pending (committed before the call), nothing was reported
    expect(await sandbox.refundsFor(invoiceId)).toEqual([expect.objectContaining({ amount: 2_000, idempotency_key: key, status: 'succeeded' })]);
    const refunds = async () =>
      (await client.query('SELECT status, idempotency_key, provider_refund_id FROM refunds WHERE invoice_id = $1', [invoiceId])).rows;
    expect(await refunds()).toEqual([{ status: 'pending', idempotency_key: key, provider_refund_id: null }]);
    expect((await client.query(`SELECT 1 FROM outbox WHERE event_type = 'RefundSucceeded'`)).rowCount).toBe(0);

    // when a fresh process gets the credit note again (after the dead member's session times out)
    const restarted = startPayments({});
    await waitFor(async () => (await refunds())[0]?.status === 'succeeded', {
      timeoutMs: 120_000,
      intervalMs: 250,
      what: 'the redelivered credit note to be recorded',
    });

    // then still one refund (the second call was answered from the provider's idempotency store), one RefundSucceeded
    const atProvider = await sandbox.refundsFor(invoiceId);
    expect(atProvider).toHaveLength(1);
    expect(sandbox.replayedKeys()).toContain(key);
    expect(await refunds()).toEqual([{ status: 'succeeded', idempotency_key: key, provider_refund_id: atProvider[0].id }]);
    const succeeded = await publishedOf('RefundSucceeded', invoiceId);
    expect(new Set(succeeded.map((e) => e.eventId)).size).toBe(1);
    expect(succeeded[0].payload).toMatchObject({ amountMinor: 2_000, currency: 'JPY', providerRefundId: atProvider[0].id });
    // (the outbox relay of the killed process may have published it already: the same event id again, which consumers dedupe)
    expect(new Set((await publishedOf('CreditNoteSettled', invoiceId)).map((e) => e.eventId)).size).toBe(1);

    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toMatchObject({ code: 0 });
  });
});
