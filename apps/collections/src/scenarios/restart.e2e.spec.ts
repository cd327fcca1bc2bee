import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { TOPICS, parseEvent } from '@billing/events';
import { databaseUrl, dropDatabase, topicName } from '@billing/messaging';
import { DATABASE_SERVER_URL, KAFKA_BROKERS, freePort, readTopic, uniqueName, uniquePrefix, waitFor } from '@billing/testing';
import { AUTH_TOKENS, PaymentsTopic, chargeFailed, deleteTopics, newInvoice, prepareTopics } from './harness';

const root = path.join(__dirname, '../../../..');


/**
 * The collections service as a real process, killed with SIGKILL after it scheduled a retry and
 * before the retry was due, then started again on the same database.
 */
describe('collections survives a crash between scheduling and emitting a retry', () => {
  const database = uniqueName('collectionscrash');
  const prefix = uniquePrefix('collectionscrash');
  const children: ChildProcess[] = [];
  let payments: PaymentsTopic;
  let db: Client;

  /**
   * Spawns the service. A restarted process needs no wait: its scheduler and relay run as soon as
   * the database is open, while its Kafka consumer may wait for the killed member's session to expire.
   */
  async function startService({ waitForHealth = true } = {}): Promise<ChildProcess> {
    const port = await freePort();
    const child = spawn('node', ['-r', '@swc-node/register', path.join('apps', 'collections', 'src', 'main.ts')], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: DATABASE_SERVER_URL,
        DATABASE_NAME: database,
        KAFKA_BROKERS: KAFKA_BROKERS.join(','),
        TOPIC_PREFIX: prefix,
        TOPIC_PARTITIONS: '3',
        HTTP_PORT: String(port),
        AUTH_TOKENS,
        LOG_LEVEL: 'warn',
        OUTBOX_POLL_MS: '20',
        SCHEDULER_POLL_MS: '100',
        // one retry, 20 s after the first failure
        DUNNING_RETRY_OFFSETS: '20s',
        DUNNING_HOLD_GRACE: '0s',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    if (!waitForHealth) return child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`collections exited with ${child.exitCode}`);
        return (await fetch(`http://127.0.0.1:${port}/health`)).status === 200;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'collections /health' },
    );
    return child;
  }

  function kill(child: ChildProcess): Promise<void> {
    return new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  beforeAll(async () => {
    await prepareTopics(prefix);
    payments = new PaymentsTopic(prefix);
    await payments.connect();
  });

  afterAll(async () => {
    for (const child of children) await kill(child);
    await db?.end();
    await payments?.disconnect();
    await deleteTopics(prefix);
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  it('emits the retry once when the service is killed after scheduling it and restarted before it is due', async () => {
    // given a running service
    const first = await startService();
    db = new Client({ connectionString: databaseUrl(DATABASE_SERVER_URL, database) });
    await db.connect();
    const caseOf = async (invoiceId: string) =>
      (await db.query('SELECT status, next_attempt, next_retry_at, retry_requested_at FROM dunning_cases WHERE invoice_id = $1', [invoiceId]))
        .rows[0];

    // when a charge fails and its retry is scheduled 8 s from now
    const invoice = newInvoice();
    const failure = chargeFailed(invoice, 1, { failedAt: new Date(Date.now() - 12_000).toISOString() });
    await payments.produce(failure);
    const scheduled = await waitFor(async () => caseOf(invoice.invoiceId), { what: 'the scheduled retry' });
    expect(scheduled).toMatchObject({ status: 'retrying', next_attempt: 2, retry_requested_at: null });

    // and the service dies with SIGKILL before the retry is due
    await kill(first);
    expect(await caseOf(invoice.invoiceId)).toMatchObject({ retry_requested_at: null });
    expect(Date.now()).toBeLessThan(Date.parse(failure.payload.failedAt) + 20_000);

    // and a new process starts on the same database
    await startService({ waitForHealth: false });

    // then the retry is emitted when due, exactly once
    await waitFor(async () => (await caseOf(invoice.invoiceId)).retry_requested_at !== null, {
      timeoutMs: 40_000,
      what: 'the retry request',
    });
    const messages = await readTopic(topicName(prefix, TOPICS.collections), {
      until: (m) => m.some((x) => x.key === invoice.accountId),
      settleMs: 1500,
    });
    const retries = messages
      .filter((m) => m.key === invoice.accountId)
      .map((m) => parseEvent(JSON.parse(m.value!)))
      .map((parsed) => (parsed.ok ? parsed.event : undefined))
      .filter((e) => e?.type === 'ChargeRetryRequested');
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({
      accountId: invoice.accountId,
      causationId: failure.eventId,
      correlationId: failure.correlationId,
      payload: { invoiceId: invoice.invoiceId, attempt: 2, scheduledFor: new Date(Date.parse(failure.payload.failedAt) + 20_000).toISOString() },
    });
    const outbox = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE event_type = 'ChargeRetryRequested'`);
    expect(outbox.rows[0].n).toBe(1);
  });
});
