/**
 * The double-email incident, replayed against real processes: the notifications service is
 * spawned as a child process (`node -r @swc-node/register apps/notifications/src/main.ts`), first
 * in Los Angeles/English, then restarted in Budapest/Hungarian, with a real SMTP capture server,
 * Kafka and PostgreSQL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Producer } from 'kafkajs';
import { Client } from 'pg';
import { billingTopicConfigs, databaseUrl, dropDatabase } from '@billing/messaging';
import { DATABASE_SERVER_URL, KAFKA_BROKERS, freePort, testKafka, uniqueName, uniquePrefix, waitFor } from '@billing/testing';
import { DEFAULT_TEMPLATES_DIR } from '../../../config';
import { TopicCollector, customer, invoiceGenerated, publish, sleep } from '../../../testing/notifications-test-kit';
import { SmtpCaptureProcess } from '../../../testing/smtp-capture-process';

const WORKSPACE = join(__dirname, '..', '..', '..', '..', '..', '..');

interface Service {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}


async function startService(env: Record<string, string>): Promise<Service> {
  const port = await freePort();
  const child = spawn('node', ['-r', '@swc-node/register', 'apps/notifications/src/main.ts'], {
    cwd: WORKSPACE,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: DATABASE_SERVER_URL,
      KAFKA_BROKERS: KAFKA_BROKERS.join(','),
      HTTP_PORT: String(port),
      LOG_LEVEL: 'warn',
      TOPIC_PARTITIONS: '3',
      OUTBOX_POLL_MS: '20',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port, output: () => output, exited };
}

async function waitHealthy(service: Service): Promise<void> {
  let exitCode: number | null | undefined;
  void service.exited.then((code) => (exitCode = code));
  await waitFor(
    async () => {
      if (exitCode !== undefined) throw new Error(`service exited with ${exitCode}:\n${service.output()}`);
      const res = await fetch(`http://127.0.0.1:${service.port}/health`).catch(() => null);
      return res?.status === 200;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: 'the notifications service to be healthy' },
  );
}

/** The child's exit code, or 'timeout' when it is still running after `ms`. */
async function exitWithin(service: Service, ms: number): Promise<number | null | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  try {
    return await Promise.race([service.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function stopService(service: Service | undefined): Promise<void> {
  if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill('SIGTERM');
  if ((await exitWithin(service, 20_000)) === 'timeout') {
    service.child.kill('SIGKILL');
    await service.exited;
  }
}

describe('the seed scenario: one correct email per invoice, whatever the server', () => {
  const database = uniqueName('notife2e');
  const prefix = uniquePrefix('notife2e');
  const kafka = testKafka('notifications-e2e');
  const losAngeles = { TZ: 'America/Los_Angeles', LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' };
  const budapest = { TZ: 'Europe/Budapest', LANG: 'hu_HU.UTF-8', LC_ALL: 'hu_HU.UTF-8' };
  let capture: SmtpCaptureProcess;
  let producer: Producer;
  let admin: Admin;
  let collector: TopicCollector;
  let db: Client;
  let service: Service | undefined;
  const serviceEnv = () => ({ DATABASE_NAME: database, TOPIC_PREFIX: prefix, SMTP_PORT: String(capture.smtpPort) });

  const address = `ann-${randomUUID()}@example.test`;
  const seed = invoiceGenerated(`acct-${randomUUID()}`, {
    customer: customer({ email: address, timeZone: 'America/Los_Angeles', locale: 'en-US' }),
    currency: 'USD',
    subtotalMinor: 1000,
    totalMinor: 1000,
    issuedAt: '2017-08-08T03:31:09Z',
  });
  const emailKey = `invoice:${seed.payload.invoiceId}`;
  const mails = () => capture.messages(address);
  const handled = async (eventId: string) =>
    (await db.query(`SELECT 1 FROM inbox WHERE consumer = 'send-emails' AND event_id = $1`, [eventId])).rowCount === 1;

  beforeAll(async () => {
    capture = await SmtpCaptureProcess.start();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await stopService(service);
    await collector?.stop();
    await producer?.disconnect();
    await db?.end();
    await capture?.stop();
    await admin?.deleteTopics({ topics: billingTopicConfigs({ prefix, partitions: 3 }).map((t) => t.topic) }).catch(() => undefined);
    await admin?.disconnect();
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  it('sends exactly one email saying $10.00 and PDT when the invoice is redelivered after a restart in Budapest', async () => {
    // First life: a Los Angeles / English process sends the invoice email.
    service = await startService({ ...serviceEnv(), ...losAngeles });
    await waitHealthy(service);
    db = new Client({ connectionString: databaseUrl(DATABASE_SERVER_URL, database) });
    await db.connect();
    collector = new TopicCollector(kafka, prefix); // topics exist now: the service created them
    await collector.start();

    await publish(producer, prefix, [seed]);
    await waitFor(async () => collector.about(emailKey).length === 1, { what: 'EmailSent from the first process', timeoutMs: 60_000 });
    expect(await mails()).toHaveLength(1);

    // Restart: the same service in a Budapest / Hungarian process.
    await stopService(service);
    service = await startService({ ...serviceEnv(), ...budapest });
    await waitHealthy(service);

    // The same event again, and the same invoice in a fresh envelope (a republishing producer).
    const republished = { ...seed, eventId: randomUUID() };
    await publish(producer, prefix, [seed, republished]);
    await waitFor(() => handled(republished.eventId), { what: 'the Budapest process to handle the redelivery', timeoutMs: 60_000 });
    await sleep(500);

    expect(await mails()).toHaveLength(1);
    const [mail] = await mails();
    expect(mail.subject).toBe('Your invoice INV-2017-07-000001 for July 2017');
    for (const body of [mail.text!, mail.html!]) {
      expect(body).toContain('$10.00');
      expect(body).toContain('PDT');
      expect(body).not.toMatch(/Ft|CET|CEST|HUF/);
    }
    expect(mail.text).toContain('issued on August 7, 2017 at 8:31:09 PM PDT');
    expect(mail.headers.date).toBe('Tue, 08 Aug 2017 03:31:09 +0000');
    expect(collector.about(emailKey).map((e) => e.type)).toEqual(['EmailSent']);
  });

  it('re-sends byte-identical mail with the same Message-ID when a crash lost the commit', async () => {
    // The accepted at-least-once edge: SMTP accepted the message, then the process died before
    // its transaction (and the acceptance journal) committed. Afterwards the database holds no
    // trace of the email — which is what deleting its rows reproduces here.
    const [first] = await mails();
    await db.query('DELETE FROM sent_emails WHERE email_key = $1', [emailKey]);
    await db.query('DELETE FROM smtp_acceptances WHERE email_key = $1', [emailKey]);

    const redelivered = { ...seed, eventId: randomUUID() };
    await publish(producer, prefix, [redelivered]);
    await waitFor(async () => (await mails()).length === 2, { what: 'the re-sent email (from the Budapest process)', timeoutMs: 60_000 });

    const [, second] = await mails();
    expect(second.messageId).toBe(first.messageId);
    expect(second.raw).toBe(first.raw);
  });

  it('refuses to start when a template uses a variable the events do not carry', async () => {
    await stopService(service);
    const dir = await mkdtemp(join(tmpdir(), 'broken-templates-'));
    const brokenDatabase = uniqueName('notifbroken');
    try {
      await cp(DEFAULT_TEMPLATES_DIR, dir, { recursive: true });
      const file = join(dir, 'invoice.text.hbs');
      await writeFile(file, `${await readFile(file, 'utf8')}\nYour VAT number: {{customer.vatNumber}}\n`);

      const broken = await startService({ ...serviceEnv(), DATABASE_NAME: brokenDatabase, TEMPLATES_DIR: dir });
      const code = await exitWithin(broken, 60_000);
      if (code === 'timeout') await stopService(broken);

      expect(code).toBe(1);
      expect(broken.output()).toContain('invoice.text.hbs');
      expect(broken.output()).toContain('vatNumber');
      expect(await mails()).toHaveLength(2); // nothing new was sent
      // It stopped before touching anything: no database was created for it.
      const created = await db.query('SELECT 1 FROM pg_database WHERE datname = $1', [brokenDatabase]);
      expect(created.rowCount).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await dropDatabase(DATABASE_SERVER_URL, brokenDatabase);
    }
  });
});
