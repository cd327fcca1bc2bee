import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS } from '@billing/events';
import { DATABASE_SERVER_URL, freeKafkaPort, uniqueName, uniquePrefix, waitFor } from '@billing/testing';
import { createLogger, dropDatabase, loadConfig, ServiceRuntime, topicName } from './index';
import { EffectsTable1764300000001, effectsConsumer, usageEvent } from '../test/fixtures';

const run = promisify(execFile);
const kafkaScript = path.join(__dirname, '..', '..', '..', 'infra', 'kafka', 'kafka.sh');

/**
 * A broker that goes away while a service starts (a restart under load can take longer than
 * kafkajs' own connection retries, about 20 s): the service must keep trying, say so on /health,
 * and consume once the broker is back, instead of living on without its consumers.
 */
describe('a service whose Kafka broker is away while its consumers start', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'outage-kafka-'));
  let port: number;
  const broker = (command: 'start' | 'stop') =>
    run('bash', [kafkaScript, command], { env: { ...process.env, KAFKA_PORT: String(port), KAFKA_HOME_DIR: home, KAFKA_HEAP: '256m' } });
  const database = uniqueName('outage');
  const prefix = uniquePrefix('outage');
  let runtime: ServiceRuntime | undefined;

  beforeAll(async () => {
    port = await freeKafkaPort();
    await broker('start');
  });

  afterAll(async () => {
    await runtime?.close();
    await broker('stop').catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  const consumersUp = (r: ServiceRuntime) => {
    try {
      r.checkConsumers();
      return true;
    } catch {
      return false;
    }
  };

  it('keeps starting its consumers, reports Kafka and consumers down meanwhile, and consumes once the broker is back', async () => {
    const config = loadConfig('outage', 0, {}, {
      DATABASE_URL: DATABASE_SERVER_URL,
      DATABASE_NAME: database,
      KAFKA_BROKERS: `127.0.0.1:${port}`,
      TOPIC_PREFIX: prefix,
      TOPIC_PARTITIONS: '2',
    });
    runtime = new ServiceRuntime({ config, migrations: [EffectsTable1764300000001], logger: createLogger('outage', 'silent') });
    const service = runtime;
    service.addConsumer(effectsConsumer());
    await service.open();
    await expect(service.checkKafka()).resolves.toBeUndefined();

    await broker('stop');
    await expect(service.checkKafka()).rejects.toThrow();
    const starting = service.startConsumers();
    // kafkajs gives up connecting after its retries; the runtime must not
    await waitFor(async () => !consumersUp(service), { timeoutMs: 90_000, intervalMs: 250, what: 'consumers reported down' });
    expect(() => service.checkConsumers()).toThrow(/cannot start \(retrying\)/);

    await broker('start');
    await starting;
    expect(consumersUp(service)).toBe(true);
    await waitFor(async () => (await service.checkKafka(), true), { timeoutMs: 30_000, intervalMs: 250, what: 'Kafka up' });

    const event = usageEvent('acct-after-outage', 1);
    const kafka = new Kafka({ clientId: 'outage-test', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topicName(prefix, TOPICS.usage),
      messages: [{ key: event.accountId, value: JSON.stringify(event) }],
    });
    await producer.disconnect();
    const effects = await waitFor(
      async () => {
        const rows = await service.dataSource.query('SELECT event_id FROM effects WHERE account_id = $1', ['acct-after-outage']);
        return rows.length > 0 ? rows : undefined;
      },
      { timeoutMs: 60_000, what: 'the event consumed after the outage' },
    );
    expect(effects).toEqual([{ event_id: event.eventId }]);
  });
});
