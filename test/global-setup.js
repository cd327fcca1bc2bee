// Integration and end-to-end tests need the real Kafka broker and PostgreSQL.
// `.ci/run` (or `npm run kafka:start`) starts them; here we only fail fast with a clear message.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async () => {
  const broker = process.env.KAFKA_BROKERS?.split(',')[0] ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`;
  try {
    execFileSync('node', [path.join(__dirname, '..', 'infra', 'kafka', 'wait-ready.js'), broker, '20'], { stdio: 'ignore' });
  } catch {
    throw new Error(`No Kafka broker answers on ${broker}: run \`npm run kafka:start\` first (see README).`);
  }
};
