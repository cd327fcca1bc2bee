// Returns 0 once a Kafka broker at argv[2] answers a metadata request, 1 after argv[3] seconds,
// 2 as soon as the process argv[4] (the broker's pid, optional) has exited.
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const broker = process.argv[2] ?? '127.0.0.1:9092';
  const deadline = Date.now() + Number(process.argv[3] ?? 60) * 1000;
  const kafka = new Kafka({ clientId: 'wait-ready', brokers: [broker], logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } });
  const pid = process.argv[4] ? Number(process.argv[4]) : undefined;
  const alive = () => {
    if (pid === undefined) return true;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  while (Date.now() < deadline) {
    if (!alive()) return 2;
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
