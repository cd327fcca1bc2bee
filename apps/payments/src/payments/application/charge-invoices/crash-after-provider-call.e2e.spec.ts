import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Admin, Producer } from 'kafkajs';
import { Client } from 'pg';
import { TOPICS } from '@billing/events';
import { billingTopicConfigs, dropDatabase, ensureTopics, topicName } from '@billing/messaging';
import { DATABASE_SERVER_URL, KAFKA_BROKERS, readTopic, testKafka, uniqueName, uniquePrefix, waitFor } from '@billing/testing';
import { SandboxProcess, invoiceGenerated, produce } from '../../../../test/support';

const WORKSPACE = path.join(__dirname, '../../../../../..');

/**
 * The payments process (a real child process running apps/payments/src/main.ts) is SIGKILLed
 * right after Stripe answered and before the outcome is committed; a fresh process then gets
 * the event again from Kafka. Expect one charge and one ChargeSucceeded.
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

  interface RunningPayments {
    child: ChildProcess;
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    output: () => string;
  }

  function startPayments(extraEnv: Record<string, string>): RunningPayments {
    let output = '';
    const child = spawn('node', ['-r', '@swc-node/register', 'apps/payments/src/main.ts'], {
      cwd: WORKSPACE,
      env: {
        ...process.env,
        DATABASE_URL: DATABASE_SERVER_URL,
        DATABASE_NAME: database,
        KAFKA_BROKERS: KAFKA_BROKERS.join(','),
        TOPIC_PREFIX: prefix,
        TOPIC_PARTITIONS: '2',
        HTTP_PORT: '0',
        LOG_LEVEL: 'warn',
        STRIPE_API_PORT: String(sandbox.port),
        STRIPE_MAX_NETWORK_RETRIES: '0',
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    return { child, exited, output: () => output };
  }

  it('charges once and emits ChargeSucceeded once after a restart and redelivery', async () => {
    const invoice = invoiceGenerated({ providerCustomerId: customerId, paymentMethodId: 'pm_card_visa' });
    const { invoiceId } = invoice.payload;
    const key = `invoice:${invoiceId}:attempt:1`;

    const crashing = startPayments({ PAYMENTS_CRASH_AFTER_PROVIDER_CALL: '1' });
    await produce(producer, prefix, [invoice]);
    let timer: NodeJS.Timeout | undefined;
    const crash = await Promise.race([
      crashing.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the process did not crash:\n${crashing.output()}`)), 60_000);
      }),
    ]).finally(() => clearTimeout(timer));
    expect(crash.signal).toBe('SIGKILL');

    // Stripe charged; the outcome never committed: only the pending attempt (written before the call) is left.
    expect(await sandbox.chargesFor(invoiceId)).toHaveLength(1);
    db = new Client({ connectionString: DATABASE_SERVER_URL.replace(/\/[^/]*$/, `/${database}`) });
    await db.connect();
    const attempts = async () =>
      (await db.query('SELECT status, idempotency_key, provider_payment_intent_id, resolved_by FROM charge_attempts WHERE invoice_id = $1', [invoiceId])).rows;
    expect(await attempts()).toEqual([{ status: 'pending', idempotency_key: key, provider_payment_intent_id: null, resolved_by: null }]);
    expect((await db.query('SELECT 1 FROM inbox WHERE event_id = $1', [invoice.eventId])).rowCount).toBe(0);
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
    const published = await readTopic(topicName(prefix, TOPICS.payments), {
      until: (messages) => messages.some((m) => m.value?.includes(invoiceId)),
      settleMs: 1_000,
    });
    const succeeded = published.map((m) => JSON.parse(m.value!)).filter((e) => e.type === 'ChargeSucceeded' && e.payload.invoiceId === invoiceId);
    expect(new Set(succeeded.map((e) => e.eventId)).size).toBe(1);
    expect(succeeded[0].payload.providerPaymentIntentId).toBe(charges[0].payment_intent);

    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toMatchObject({ code: 0 });
  });
});
