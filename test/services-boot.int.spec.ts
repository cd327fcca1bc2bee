import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { DATABASE_SERVER_URL, KAFKA_BROKERS, freePorts, testKafka, uniqueName, uniquePrefix, waitFor } from '@billing/testing';
import { dropDatabase } from '@billing/messaging';

const root = path.join(__dirname, '..');
const SERVICES = ['invoicing', 'payments', 'notifications', 'collections', 'reporting'];

describe('each service starts as its own process', () => {
  const prefix = uniquePrefix('boot');
  const run = uniqueName('boot');
  const processes: ChildProcess[] = [];
  const ports = new Map<string, number>();

  beforeAll(async () => {
    const base = await freePorts(SERVICES.length);
    SERVICES.forEach((service, i) => {
      const port = base + i;
      ports.set(service, port);
      const child = spawn('node', ['-r', '@swc-node/register', path.join('apps', service, 'src', 'main.ts')], {
        cwd: root,
        env: {
          ...process.env,
          HTTP_PORT: String(port),
          DATABASE_URL: DATABASE_SERVER_URL,
          DATABASE_NAME: `${run}_${service}`,
          KAFKA_BROKERS: KAFKA_BROKERS.join(','),
          TOPIC_PREFIX: prefix,
          TOPIC_PARTITIONS: '2',
          LOG_LEVEL: 'warn',
          MONTH_CLOSE_SCHEDULE_ENABLED: 'false',
          SCHEDULER_ENABLED: 'false',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      processes.push(child);
    });
  });

  afterAll(async () => {
    await Promise.all(
      processes.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
            child.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    for (const service of SERVICES) await dropDatabase(DATABASE_SERVER_URL, `${run}_${service}`);
    const admin = testKafka().admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics });
    await admin.disconnect();
  });

  it.each(SERVICES)('%s answers /health with database and kafka up, and /metrics in Prometheus format', async (service) => {
    const base = `http://127.0.0.1:${ports.get(service)}`;
    const health = await waitFor(
      async () => {
        const response = await fetch(`${base}/health`);
        return response.status === 200 ? response.json() : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: `${service} /health` },
    );
    expect(health).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, kafka: { status: 'up' } } });

    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    expect(text).toContain('# TYPE billing_events_handled_total counter');
    expect(text).toContain(`service="${service}"`);
  });

  it('exits gracefully on SIGTERM', async () => {
    const child = processes[0];
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
