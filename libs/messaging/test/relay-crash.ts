/**
 * Child process for the crash test: runs the outbox relay and dies with SIGKILL right after
 * Kafka acknowledged the batch, before the rows are marked published.
 */
import { createDataSource, createKafka, createLogger, OutboxRelay } from '../src';
import { EffectsTable1764300000001 } from './fixtures';

async function main() {
  const logger = createLogger('relay-crash', 'warn');
  const dataSource = createDataSource({
    serverUrl: process.env.DATABASE_URL!,
    database: process.env.DATABASE_NAME!,
    migrations: [EffectsTable1764300000001],
  });
  await dataSource.initialize();
  const producer = createKafka('relay-crash', process.env.KAFKA_BROKERS!.split(','), logger).producer({
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const relay = new OutboxRelay({
    dataSource,
    producer,
    topicPrefix: process.env.TOPIC_PREFIX!,
    logger,
    afterPublish: async () => {
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => undefined);
    },
  });
  await relay.publishBatch();
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
