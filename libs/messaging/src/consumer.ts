import { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { LRUCache } from 'lru-cache';
import { DataSource, EntityManager } from 'typeorm';
import { BillingEvent, CONTRACTS, EventType, TOPICS, TopicName, parseEvent } from '@billing/events';
import { isOutage, isTransient, wasRetried } from './errors';
import { claimInbox } from './inbox';
import { topicName } from './kafka';
import { Logger } from './logger';
import { Metrics } from './metrics';
import { retry } from './retry';

export interface HandlerContext {
  /** The transaction the inbox entry was written in: write every effect (and outbox row) through it. */
  manager: EntityManager;
  logger: Logger;
  /** Tells the group coordinator this consumer is alive during long work (SMTP, provider calls). */
  heartbeat: () => Promise<void>;
}

/**
 * A consumer: which topics it reads, which event types it handles, and a batch handler that
 * receives only first deliveries, in partition order, inside one transaction.
 */
export interface ConsumerDefinition {
  /** Names the inbox rows and, with the service, the consumer group. */
  name: string;
  topics: readonly TopicName[];
  accepts: readonly EventType[];
  handle(events: BillingEvent[], context: HandlerContext): Promise<void>;
  /** Consumer group override (reporting rebuilds under a fresh group). */
  groupId?: string;
  /**
   * Events per transaction for this consumer (default: the service's CONSUMER_BATCH_SIZE). A
   * consumer whose batch waits on an outside pace takes smaller ones, so that what it did is
   * recorded, and the next batch fetched, while its other partitions keep the pace busy.
   */
  batchSize?: number;
}

export interface BatchConsumerOptions {
  kafka: Kafka;
  dataSource: DataSource;
  /** Used for dead letters; should be idempotent. */
  producer: Producer;
  service: string;
  topicPrefix: string;
  logger: Logger;
  metrics?: Metrics;
  concurrency?: number;
  batchSize?: number;
  sessionTimeoutMs?: number;
  /** In-process attempts for a transient failure before the batch is handed back to Kafka for redelivery. */
  transientAttempts?: number;
  /** First back-off cap of those attempts (full jitter, doubling, capped at 10 s). */
  backoffMs?: number;
  /**
   * Failed deliveries of the same offset (each after its in-process attempts) before the batch is
   * isolated event by event and the event that still fails transiently is dead-lettered with
   * `retries_exhausted`. Outages (database or broker unreachable) never count.
   */
  redeliveryBudget?: number;
}

/** Every event type a contract defines (the relay stamps it on each message as the `event-type` header). */
const KNOWN_TYPES: ReadonlySet<string> = new Set(CONTRACTS.map((c) => c.type));

/** The `event-type` header as a string, if there is exactly one. */
function eventTypeHeader(message: KafkaMessage): string | undefined {
  const value = message.headers?.['event-type'];
  if (typeof value === 'string') return value;
  return Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
}

/** Chunks whose failed deliveries are remembered at once; the oldest are forgotten first. */
const REMEMBERED_FAILURES = 10_000;
/** How long the database gets to answer `SELECT 1` before it counts as unreachable. */
const PROBE_TIMEOUT_MS = 5_000;

export type DeadLetterReason =
  | 'empty_message'
  | 'invalid_json'
  | 'invalid_envelope'
  | 'unknown_type'
  | 'unknown_version'
  | 'schema_violation'
  | 'handler_error'
  | 'retries_exhausted';

interface Decoded {
  message: KafkaMessage;
  event?: BillingEvent;
  deadLetter?: { reason: DeadLetterReason; detail: string };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Wraps a kafkajs consumer so that each fetched batch of a partition is validated, recorded
 * in the inbox and handled in one transaction, bad messages go to the dead-letter topic with
 * their reason, and offsets are committed only after the transaction commits.
 * (NestJS's stock Kafka server handles one message at a time and has no dead-letter topic.)
 */
export class BatchConsumer {
  private consumer?: Consumer;
  private stopping = false;
  /** Why the consumer is not running (it cannot connect after a start or a crash); cleared once it runs. */
  failure?: Error;
  private readonly accepted: Set<string>;
  /**
   * Failed deliveries per `topic:partition:first offset` of a chunk (this instance has one group).
   * In memory on purpose: the count only bounds how long a poison message blocks its partition. A
   * restart or a rebalance starts it again from zero, which costs at most one more budget and never
   * dead-letters a good message; persisting it would need the database exactly when it may be away.
   */
  private readonly failedDeliveries = new LRUCache<string, number>({ max: REMEMBERED_FAILURES });

  constructor(
    private readonly definition: ConsumerDefinition,
    private readonly options: BatchConsumerOptions,
  ) {
    this.accepted = new Set(definition.accepts);
  }

  get groupId(): string {
    return this.definition.groupId ?? `${this.options.topicPrefix}${this.options.service}.${this.definition.name}`;
  }

  async start(): Promise<void> {
    const { kafka, topicPrefix, concurrency = 4, sessionTimeoutMs = 30_000 } = this.options;
    this.consumer = kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: sessionTimeoutMs,
      rebalanceTimeout: 60_000,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeoutMs / 10)),
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 1_048_576,
      // Short long-polls: a stopping consumer (SIGTERM, rebalance) is not held for 5 s.
      maxWaitTimeInMs: 500,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    const consumer = this.consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.options.logger.error({ err: payload.error, restart: payload.restart, group: this.groupId }, 'consumer crashed');
      // kafkajs restarts itself after retriable errors; after any other one we start again
      // (from the committed offsets: nothing lost, the inbox drops what was already handled).
      if (!payload.restart && !this.stopping) {
        this.failure = payload.error;
        setTimeout(() => void this.restart(consumer), 5_000);
      }
    });
    try {
      await consumer.connect();
      await consumer.subscribe({
        topics: this.definition.topics.map((t) => topicName(topicPrefix, t)),
        fromBeginning: true,
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: concurrency,
        eachBatch: (payload) => this.onBatch(payload),
      });
    } catch (error) {
      // The broker is away: leave nothing half-connected; the caller starts again later.
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Starts, and keeps starting with back-off while the broker is away (down, restarting), until
   * the consumer runs or is stopped: a process that gave up on a consumer would look alive and
   * do nothing. `failure` says why meanwhile.
   */
  async keepStarting(): Promise<void> {
    await retry(
      async () => {
        if (this.stopping) return;
        await this.start();
        this.failure = undefined;
      },
      {
        attempts: Infinity,
        baseDelayMs: 500,
        maxDelayMs: 5_000,
        jitter: false,
        onRetry: ({ error, attempt }) => {
          this.failure = error as Error;
          this.options.logger.error({ err: error, attempt, group: this.groupId }, 'consumer could not start; retrying');
        },
      },
    );
  }

  private async restart(crashed: Consumer): Promise<void> {
    if (this.stopping || this.consumer !== crashed) return;
    await crashed.disconnect().catch(() => undefined);
    await this.keepStarting();
  }

  /** Finishes the batch in flight, commits, disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    const batchSize = this.definition.batchSize ?? this.options.batchSize ?? 500;
    const messages = batch.messages;
    for (let start = 0; start < messages.length; start += batchSize) {
      if (!isRunning() || isStale()) return;
      const chunk = messages.slice(start, start + batchSize);
      const timer = this.options.metrics?.batchSeconds.startTimer({ consumer: this.definition.name });
      await this.processChunk(batch.topic, batch.partition, chunk, heartbeat);
      timer?.();
      const last = chunk[chunk.length - 1].offset;
      resolveOffset(last);
      await this.consumer!.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
      ]);
      await heartbeat();
    }
  }

  private decode(message: KafkaMessage): Decoded {
    // A known type this consumer does not handle is skipped unparsed: the consumers that handle it
    // validate it (and dead-letter it if it is bad). Validating every InvoiceGenerated in payments'
    // credit-note consumer blocked the event loop ~200 ms a batch, and the provider pace with it.
    const type = eventTypeHeader(message);
    if (type !== undefined && KNOWN_TYPES.has(type) && !this.accepted.has(type)) return { message };
    if (!message.value || message.value.length === 0) {
      return { message, deadLetter: { reason: 'empty_message', detail: 'message has no value' } };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(message.value.toString('utf8'));
    } catch (error) {
      return { message, deadLetter: { reason: 'invalid_json', detail: (error as Error).message } };
    }
    const parsed = parseEvent(raw);
    if (!parsed.ok) return { message, deadLetter: { reason: parsed.reason, detail: parsed.message } };
    return { message, event: parsed.event };
  }

  private async processChunk(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const decoded = messages.map((m) => this.decode(m));
    const deadLetters = decoded.filter((d) => d.deadLetter);
    const seen = new Set<string>();
    const events: BillingEvent[] = [];
    for (const d of decoded) {
      if (!d.event || !this.accepted.has(d.event.type) || seen.has(d.event.eventId)) continue;
      seen.add(d.event.eventId);
      events.push(d.event);
    }
    const sources = new Map(decoded.filter((d) => d.event).map((d) => [d.event!.eventId, d.message]));
    const chunkKey = `${topic}:${partition}:${messages[0].offset}`;
    const { redeliveryBudget = 3, logger } = this.options;
    let budgetSpent = false;
    /** Counts one failed delivery of this chunk (sets budgetSpent once the budget is reached). */
    const spendDelivery = () => {
      const failures = (this.failedDeliveries.get(chunkKey) ?? 0) + 1;
      this.failedDeliveries.set(chunkKey, failures);
      budgetSpent ||= failures >= redeliveryBudget;
      return failures;
    };

    if (events.length > 0) {
      try {
        await this.withTransientRetry(() => this.handleInTransaction(events, heartbeat), heartbeat);
      } catch (error) {
        if (this.stopping || (await this.isOutage(error))) throw error; // blocks; the batch is redelivered
        if (isTransient(error)) {
          const failures = spendDelivery();
          if (!budgetSpent) {
            logger.warn({ err: error, topic, partition, failures, redeliveryBudget }, 'batch failed transiently; handed back to Kafka');
            throw error;
          }
          logger.warn({ err: error, topic, partition, failures }, 'redelivery budget spent; isolating the failing event');
        } else {
          // A permanent failure somewhere in the batch: handle one event at a time, in order,
          // so that only the offending event is dead-lettered.
          logger.warn({ err: error, topic, partition }, 'batch failed; isolating the failing event');
        }
        for (const event of events) {
          try {
            await this.withTransientRetry(() => this.handleInTransaction([event], heartbeat), heartbeat);
          } catch (single) {
            if (this.stopping || (await this.isOutage(single))) throw single;
            let deadLetter: Decoded['deadLetter'];
            if (!isTransient(single)) {
              deadLetter = { reason: 'handler_error', detail: messageOf(single) };
            } else {
              const failures = budgetSpent ? this.failedDeliveries.get(chunkKey) : spendDelivery();
              if (!budgetSpent) throw single; // counted; redelivered until the budget is spent
              deadLetter = { reason: 'retries_exhausted', detail: `failed ${failures} deliveries; last error: ${messageOf(single)}` };
            }
            deadLetters.push({ message: sources.get(event.eventId)!, event, deadLetter });
          }
        }
      }
    }
    if (deadLetters.length > 0) await this.sendToDeadLetter(topic, partition, deadLetters);
    this.failedDeliveries.delete(chunkKey);
  }

  /**
   * Whether a failure is an outage rather than this message's fault: a connection-level error, or
   * any failure while the database does not answer `SELECT 1`. A database outage must never empty
   * a topic into the dead-letter topic, whatever error the handler happened to surface.
   */
  private async isOutage(error: unknown): Promise<boolean> {
    if (isOutage(error)) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('database probe timed out')), PROBE_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.options.dataSource.query('SELECT 1'), timeout]);
      return false;
    } catch (probe) {
      this.options.logger.warn({ err: error, probe: messageOf(probe) }, 'database unreachable; the batch waits for it');
      return true;
    } finally {
      clearTimeout(timer);
    }
  }

  private async handleInTransaction(events: BillingEvent[], heartbeat: () => Promise<void>): Promise<void> {
    const { dataSource, logger, metrics } = this.options;
    const name = this.definition.name;
    await dataSource.transaction(async (manager) => {
      const fresh = await claimInbox(
        manager,
        name,
        events.map((e) => e.eventId),
      );
      const firstDeliveries = events.filter((e) => fresh.has(e.eventId));
      metrics?.duplicates.inc({ consumer: name }, events.length - firstDeliveries.length);
      if (firstDeliveries.length === 0) return;
      const batchLogger = logger.child({
        consumer: name,
        eventIds: firstDeliveries.length <= 5 ? firstDeliveries.map((e) => e.eventId) : undefined,
        correlationId: firstDeliveries[0].correlationId,
        batchSize: firstDeliveries.length,
      });
      const beat = () => heartbeat().catch(() => undefined);
      await this.definition.handle(firstDeliveries, { manager, logger: batchLogger, heartbeat: beat });
      for (const e of firstDeliveries) metrics?.consumed.inc({ consumer: name, type: e.type });
    });
  }

  /** Retries transient failures in-process, unless the thrower already spent its own retry layer. */
  private async withTransientRetry(work: () => Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
    const { transientAttempts = 6, backoffMs = 200, logger } = this.options;
    await retry(
      async (attempt) => {
        if (attempt > 1) await heartbeat().catch(() => undefined);
        await work();
      },
      {
        attempts: transientAttempts,
        baseDelayMs: backoffMs,
        maxDelayMs: 10_000,
        retryable: (error) => isTransient(error) && !wasRetried(error) && !this.stopping,
        onRetry: ({ error, attempt, delayMs }) =>
          logger.warn({ err: error, attempt, delay: delayMs, consumer: this.definition.name }, 'transient failure; retrying'),
      },
    );
  }

  private async sendToDeadLetter(topic: string, partition: number, items: Decoded[]): Promise<void> {
    const { producer, topicPrefix, logger, metrics, service } = this.options;
    const failedAt = new Date().toISOString();
    await producer.send({
      topic: topicName(topicPrefix, TOPICS.deadLetter),
      acks: -1,
      messages: items.map(({ message, deadLetter }) => {
        const headers: IHeaders = {
          ...(message.headers ?? {}),
          'dlq-reason': deadLetter!.reason,
          'dlq-detail': deadLetter!.detail.slice(0, 2000),
          'dlq-source-topic': topic,
          'dlq-source-partition': String(partition),
          'dlq-source-offset': message.offset,
          'dlq-consumer': `${service}.${this.definition.name}`,
          'dlq-failed-at': failedAt,
        };
        return { key: message.key, value: message.value, headers };
      }),
    });
    for (const { message, deadLetter, event } of items) {
      metrics?.deadLettered.inc({ consumer: this.definition.name, reason: deadLetter!.reason });
      logger.error(
        {
          consumer: this.definition.name,
          reason: deadLetter!.reason,
          detail: deadLetter!.detail,
          topic,
          partition,
          offset: message.offset,
          eventId: event?.eventId,
          correlationId: event?.correlationId,
        },
        'message dead-lettered',
      );
    }
  }
}
