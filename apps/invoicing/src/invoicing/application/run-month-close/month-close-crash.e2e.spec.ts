import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { TOPICS, parseEvent } from '@billing/events';
import { databaseUrl, topicName } from '@billing/messaging';
import { DATABASE_SERVER_URL, freePort, readTopic, waitFor } from '@billing/testing';
import { api, newDeployment, removeDeployment, testEnv } from '../../../testing/invoicing-test-service';

const ACCOUNTS = 2000;
const PERIOD = '2026-10';
const WORKSPACE = path.resolve(__dirname, '../../../../../..');


/**
 * The invoicing process is SIGKILLed in the middle of a month close over 2000 accounts and
 * started again: the restarted process resumes the run at its cursor.
 */
describe('month close killed mid-run (spawned invoicing processes, real PostgreSQL and Kafka)', () => {
  const deployment = newDeployment('invcrash');
  let child: ChildProcess | undefined;
  let url = '';
  let db: Client;

  /** Spawns main.ts; waits for /health unless `waitForHttp` is false (after a SIGKILL the consumers wait out the dead member's session before HTTP listens, while the worker already runs). */
  async function startProcess(waitForHttp = true): Promise<void> {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = testEnv(deployment, {
      HTTP_PORT: String(port),
      LOG_LEVEL: 'error',
      MONTH_CLOSE_PAGE_SIZE: '100',
      MONTH_CLOSE_PAGE_DELAY_MS: '60',
    });
    child = spawn('node', ['-r', '@swc-node/register', 'apps/invoicing/src/main.ts'], {
      cwd: WORKSPACE,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (!waitForHttp) return;
    await waitFor(async () => (await fetch(`${url}/health`)).status === 200, { timeoutMs: 60_000, intervalMs: 200, what: 'invoicing to start' });
  }

  async function stopProcess(signal: NodeJS.Signals): Promise<void> {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill(signal);
    await exited;
  }

  const invoiceCount = async () => (await db.query(`SELECT count(*)::int AS n FROM invoices WHERE period = $1`, [PERIOD])).rows[0].n as number;

  beforeAll(async () => {
    await startProcess(); // creates and migrates the database
    db = new Client({ connectionString: databaseUrl(DATABASE_SERVER_URL, deployment.database) });
    await db.connect();
    await db.query(
      `INSERT INTO accounts (account_id, name, billing_email, currency, time_zone, locale, credit_balance_minor, status, created_at, updated_at)
       SELECT gen_random_uuid(), 'Account ' || i, 'billing' || i || '@example.com',
              (ARRAY['USD','JPY','KWD','EUR'])[1 + i % 4],
              (ARRAY['America/Los_Angeles','Asia/Tokyo','Europe/Budapest','UTC','Australia/Sydney'])[1 + i % 5],
              'en-US', (i % 3) * 100, 'active', now(), now()
       FROM generate_series(1, $1::int) AS i`,
      [ACCOUNTS],
    );
    await db.query(
      `INSERT INTO usage_records (usage_id, account_id, sku, resource_id, quantity, occurred_at, usage_period, received_at)
       SELECT 'u-' || a.account_id, a.account_id, 'seat', 'seat-1', 2, '2026-10-15T12:00:00Z', '2026-10', now()
       FROM accounts a`,
    );
  });

  afterAll(async () => {
    await stopProcess('SIGKILL');
    await db?.end();
    await removeDeployment(deployment);
  });

  it('ends with exactly one invoice and one InvoiceGenerated per account and MonthCloseCompleted once', async () => {
    const requested = await api(url, 'POST', '/v1/month-closes', { period: PERIOD });
    expect(requested.status).toBe(202);
    const runId: string = requested.body.runId;

    const atKill = await waitFor(
      async () => {
        const n = await invoiceCount();
        return n >= 300 && n;
      },
      { intervalMs: 10, what: 'the run to be under way' },
    );
    await stopProcess('SIGKILL');
    const afterKill = await invoiceCount();
    expect(atKill).toBeLessThan(ACCOUNTS);
    expect(afterKill).toBeLessThan(ACCOUNTS);

    await startProcess(false);
    const done = await waitFor(
      async () => {
        const r = await db.query(`SELECT status, invoiced, remaining FROM month_close_runs WHERE run_id = $1`, [runId]);
        return r.rows[0]?.status === 'completed' && r.rows[0];
      },
      { timeoutMs: 120_000, intervalMs: 100, what: 'the resumed run to complete' },
    );
    expect(done).toMatchObject({ invoiced: ACCOUNTS, remaining: 0 });

    const perAccount = await db.query(
      `SELECT count(*)::int AS accounts, min(n)::int AS min, max(n)::int AS max FROM (
         SELECT a.account_id, count(i.invoice_id) AS n FROM accounts a
         LEFT JOIN invoices i ON i.account_id = a.account_id AND i.period = $1 GROUP BY a.account_id) x`,
      [PERIOD],
    );
    expect(perAccount.rows[0]).toEqual({ accounts: ACCOUNTS, min: 1, max: 1 });
    const unbilled = await db.query(`SELECT count(*)::int AS n FROM usage_records WHERE billed_invoice_id IS NULL`);
    expect(unbilled.rows[0].n).toBe(0);

    const [invoiceMessages, closeMessages] = await Promise.all([
      readTopic(topicName(deployment.prefix, TOPICS.invoices), {
        until: (m) => new Set(m.map((x) => x.headers['event-id'])).size >= ACCOUNTS,
        timeoutMs: 60_000,
        settleMs: 1000,
      }),
      readTopic(topicName(deployment.prefix, TOPICS.monthClose), {
        until: (m) => m.some((x) => x.headers['event-type'] === 'MonthCloseCompleted'),
        timeoutMs: 30_000,
        settleMs: 1000,
      }),
    ]);
    const eventsByInvoice = new Map<string, Set<string>>();
    const invoicesByAccount = new Map<string, Set<string>>();
    for (const m of invoiceMessages) {
      const parsed = parseEvent(JSON.parse(m.value!));
      if (!parsed.ok || parsed.event.type !== 'InvoiceGenerated') throw new Error(`unexpected message ${m.value}`);
      const { invoiceId } = parsed.event.payload;
      eventsByInvoice.set(invoiceId, (eventsByInvoice.get(invoiceId) ?? new Set()).add(parsed.event.eventId));
      invoicesByAccount.set(parsed.event.accountId, (invoicesByAccount.get(parsed.event.accountId) ?? new Set()).add(invoiceId));
    }
    expect(invoicesByAccount.size).toBe(ACCOUNTS);
    expect([...invoicesByAccount.values()].every((s) => s.size === 1)).toBe(true);
    expect(eventsByInvoice.size).toBe(ACCOUNTS);
    expect([...eventsByInvoice.values()].every((s) => s.size === 1)).toBe(true);

    const completed = new Set(
      closeMessages.filter((m) => m.headers['event-type'] === 'MonthCloseCompleted').map((m) => m.headers['event-id']),
    );
    expect(completed.size).toBe(1);
  });
});
