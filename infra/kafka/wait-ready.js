// Returns 0 once a Kafka broker at argv[2] answers a metadata request, 1 after argv[3] seconds.
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const broker = process.argv[2] ?? '127.0.0.1:9092';
  const deadline = Date.now() + Number(process.argv[3] ?? 60) * 1000;
  const kafka = new Kafka({ clientId: 'wait-ready', brokers: [broker], logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } });
  while (Date.now() < deadline) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.fetchTopicMetadata({ topics: [] });
      await admin.disconnect();
      return 0;
    } catch {
      await admin.disconnect().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return 1;
}

main().then((code) => process.exit(code));
