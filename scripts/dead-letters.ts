/**
 * `npm run dead-letters -- list [--topic-prefix P] [--limit N] [--json]`
 * `npm run dead-letters -- replay <id> [--topic-prefix P] [--force]`
 *
 * Operator tool for the dead-letter topic. `list` prints each dead letter (id `<partition>:<offset>`,
 * failed-at, reason, consumer, source topic/partition/offset, event type and id when readable,
 * replays) with its detail; `--limit N` keeps the N most recent. `replay <id>` re-publishes the
 * original message to its source topic once its cause is fixed, and records the replay; replaying
 * the same id again is refused unless `--force`. A replay is idempotent like any redelivery, as long as
 * the consumers still hold the event's inbox id: an event older than half of INBOX_RETENTION (same
 * variable as the services, default 30d) is refused.
 *
 * Reads KAFKA_BROKERS and TOPIC_PREFIX (validated; local defaults 127.0.0.1:9092 and ''). `--topic-prefix`
 * overrides TOPIC_PREFIX, e.g. to look at another deployment on the same cluster.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createKafka, createLogger, formatDeadLetter, listDeadLetters, loadConfig, replayDeadLetter } from '@billing/messaging';

const USAGE = `usage: npm run dead-letters -- list [--topic-prefix P] [--limit N] [--json]
       npm run dead-letters -- replay <id> [--topic-prefix P] [--force]`;

const Options = z.object({
  'topic-prefix': z.string().regex(/^[a-zA-Z0-9._-]*$/, { message: 'letters, digits, ".", "_" and "-" only' }).optional(),
  limit: z.coerce.number().int().min(1).optional(),
  json: z.boolean().default(false),
  force: z.boolean().default(false),
});

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      'topic-prefix': { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      force: { type: 'boolean' },
    },
  });
  const parsed = Options.safeParse(values);
  const [command, id, ...extra] = positionals;
  if (!parsed.success || extra.length > 0 || !(command === 'list' ? id === undefined : command === 'replay' && /^\d+:\d+$/.test(id ?? ''))) {
    if (!parsed.success) console.error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
    console.error(USAGE);
    return 2;
  }
  const options = parsed.data;
  const config = loadConfig('dead-letters', 0, {}, process.env);
  const logger = createLogger('dead-letters', config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const kafka = createKafka('dead-letters', config.KAFKA_BROKERS, logger);
  const topicPrefix = options['topic-prefix'] ?? config.TOPIC_PREFIX;

  if (command === 'list') {
    const letters = await listDeadLetters({ kafka, topicPrefix }, { limit: options.limit });
    for (const letter of letters) {
      if (options.json) {
        const { key, value: _value, headers: _headers, ...shown } = letter;
        console.log(JSON.stringify({ ...shown, key: key?.toString() ?? null }));
      } else {
        console.log(formatDeadLetter(letter));
      }
    }
    if (!options.json) console.log(`${letters.length} dead letter(s)`);
    return 0;
  }

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    // half the inbox retention: the other half covers the consumers' lag in reaching the replay
    const maxEventAgeMs = config.INBOX_RETENTION / 2;
    const outcome = await replayDeadLetter({ kafka, producer, topicPrefix }, id!, { force: options.force, now: new Date(), maxEventAgeMs });
    if (outcome.kind === 'not_found') {
      console.error(`no dead letter ${id} on ${topicPrefix}billing.dead-letter`);
      return 1;
    }
    if (outcome.kind === 'already_replayed') {
      console.error(`dead letter ${id} was already replayed (${outcome.letter.replays.map((r) => r.at).join(', ')}); use --force to replay it again`);
      return 1;
    }
    if (outcome.kind === 'beyond_inbox_retention') {
      console.error(
        `dead letter ${id} holds an event that occurred at ${outcome.letter.occurredAt}, more than ${outcome.maxEventAgeMs / 86_400_000} days ago ` +
          `(half of INBOX_RETENTION): the consumers that handled it may have pruned its id and would handle it again. Not replayed.`,
      );
      return 1;
    }
    console.log(`replayed ${id} to ${outcome.letter.sourceTopic}`);
    console.log(formatDeadLetter(outcome.letter));
    return 0;
  } finally {
    await producer.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
