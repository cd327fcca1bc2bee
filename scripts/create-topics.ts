/**
 * `npm run kafka:topics`: creates every billing topic with explicit partitions (TOPIC_PARTITIONS,
 * default 8) and infinite retention for the ledger. Idempotent; services run it at start-up too.
 */
import { billingTopicConfigs, createKafka, createLogger, ensureTopics, loadConfig } from '@billing/messaging';

async function main() {
  const config = loadConfig('topics', 0, {}, process.env);
  const logger = createLogger('topics', config.LOG_LEVEL);
  const admin = createKafka('topics', config.KAFKA_BROKERS, logger).admin();
  await admin.connect();
  const topics = billingTopicConfigs({ prefix: config.TOPIC_PREFIX, partitions: config.TOPIC_PARTITIONS });
  await ensureTopics(admin, topics);
  const metadata = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
  for (const t of metadata.topics) console.log(JSON.stringify({ topic: t.name, partitions: t.partitions.length }));
  await admin.disconnect();
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
