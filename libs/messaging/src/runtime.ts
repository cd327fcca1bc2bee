import { randomUUID } from 'node:crypto';
import { Admin, Kafka, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { TOPICS } from '@billing/events';
import { Clock, systemClock } from './clock';
import { BaseConfig } from './config';
import { BatchConsumer, ConsumerDefinition } from './consumer';
import { ServiceDataSourceOptions, openServiceDatabase } from './database';
import { billingTopicConfigs, createKafka, ensureTopics, topicName } from './kafka';
import { Logger, createLogger } from './logger';
import { MessagingMaintenance } from './maintenance';
import { Metrics } from './metrics';
import { OutboxRelay } from './outbox';
import { retry } from './retry';

export interface RuntimeOptions {
  config: BaseConfig;
  migrations?: ServiceDataSourceOptions['migrations'];
  logger?: Logger;
  /** Set false for processes that only serve HTTP or only produce. */
  relay?: boolean;
  /** Injected time source; the system clock by default. */
  clock?: Clock;
}

/**
 * Everything one service process needs to take part in the system: its own database
 * (migrated at start-up), the Kafka client, the outbox relay and its batch consumers.
 */
export class ServiceRuntime {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly kafka: Kafka;
  readonly instanceId = randomUUID();
  readonly clock: Clock;
  dataSource!: DataSource;
  producer!: Producer;
  admin!: Admin;
  relay?: OutboxRelay;
  maintenance?: MessagingMaintenance;
  private readonly consumers: BatchConsumer[] = [];
  private readonly definitions: ConsumerDefinition[] = [];
  private started = false;
  private closing?: Promise<void>;
  /** Health probes only: no retries, so /health answers at once when the broker is away. */
  private healthAdmin?: Admin;

  constructor(private readonly options: RuntimeOptions) {
    const { config } = options;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? createLogger(config.SERVICE_NAME, config.LOG_LEVEL);
    this.metrics = new Metrics(config.SERVICE_NAME);
    this.kafka = createKafka(`${config.SERVICE_NAME}-${this.instanceId.slice(0, 8)}`, config.KAFKA_BROKERS, this.logger);
  }

  get config(): BaseConfig {
    return this.options.config;
  }

  /** Registers a consumer; it starts with `startConsumers()` (after the HTTP app is up). */
  addConsumer(definition: ConsumerDefinition): void {
    this.definitions.push(definition);
  }

  /** Database (created and migrated), Kafka producer and topics, outbox relay. */
  async open(): Promise<void> {
    const { config } = this.options;
    this.dataSource = await openServiceDatabase({
      serverUrl: config.DATABASE_URL,
      database: config.DATABASE_NAME,
      migrations: this.options.migrations,
    });
    const selfVacuum = await this.decideSelfVacuum();
    await this.connectKafka();
    if (this.options.relay !== false) {
      this.relay = new OutboxRelay({
        dataSource: this.dataSource,
        producer: this.producer,
        topicPrefix: config.TOPIC_PREFIX,
        logger: this.logger,
        metrics: this.metrics,
        pollMs: config.OUTBOX_POLL_MS,
      });
      this.relay.start();
    }
    this.maintenance = new MessagingMaintenance({
      dataSource: this.dataSource,
      logger: this.logger,
      outboxRetentionMs: config.OUTBOX_RETENTION,
      inboxRetentionMs: config.INBOX_RETENTION,
      intervalMs: config.MAINTENANCE_INTERVAL_MS,
      batchSize: config.PRUNE_BATCH_SIZE,
      selfVacuum,
    });
    this.maintenance.start();
    this.logger.info({ database: config.DATABASE_NAME, brokers: config.KAFKA_BROKERS }, 'service runtime open');
  }

  /**
   * Batch lookups (`WHERE id = ANY($1)`) rely on planner statistics, and every UPDATE or DELETE
   * leaves a dead row for VACUUM. Without autovacuum nothing analyses or vacuums the tables that
   * grow during a month close: lookups turn into sequential scans and scans wade through dead rows,
   * so PostgreSQL's work grows faster than the number of accounts. With SELF_VACUUM=auto the
   * service then does autovacuum's work on its own tables (MessagingMaintenance); said once, at start-up.
   */
  private async decideSelfVacuum(): Promise<boolean> {
    const { SELF_VACUUM, DATABASE_NAME } = this.options.config;
    const [{ autovacuum }] = (await this.dataSource.query('SHOW autovacuum')) as { autovacuum: string }[];
    const selfVacuum = SELF_VACUUM === 'on' || (SELF_VACUUM === 'auto' && autovacuum !== 'on');
    if (autovacuum !== 'on') {
      this.logger.warn(
        { autovacuum, selfVacuum, database: DATABASE_NAME },
        selfVacuum
          ? 'PostgreSQL autovacuum is off: this service vacuums and analyses its own tables (SELF_VACUUM)'
          : 'PostgreSQL autovacuum is off and SELF_VACUUM=off: tables are never vacuumed or analysed; batch lookups degrade to sequential scans as they grow',
      );
    }
    return selfVacuum;
  }

  /**
   * Admin, topics and producer. A broker that is down or restarting at start-up is waited for
   * (with back-off, up to KAFKA_STARTUP_TIMEOUT_MS) rather than crashing the process.
   */
  private async connectKafka(): Promise<void> {
    const { config } = this.options;
    const deadline = Date.now() + config.KAFKA_STARTUP_TIMEOUT_MS;
    await retry(
      async () => {
        try {
          this.admin = this.kafka.admin();
          await this.admin.connect();
          await ensureTopics(this.admin, billingTopicConfigs({ prefix: config.TOPIC_PREFIX, partitions: config.TOPIC_PARTITIONS }));
          this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
          await this.producer.connect();
        } catch (error) {
          await this.admin?.disconnect().catch(() => undefined);
          await this.producer?.disconnect().catch(() => undefined);
          throw error;
        }
      },
      {
        attempts: Infinity,
        baseDelayMs: 500,
        maxDelayMs: 5_000,
        jitter: false,
        retryable: () => Date.now() <= deadline,
        onRetry: ({ error, attempt }) => this.logger.warn({ err: error, attempt }, 'Kafka not reachable yet; retrying'),
      },
    );
  }

  async startConsumers(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const definition of this.definitions) {
      if (this.closing) return;
      const consumer = this.createConsumer(definition);
      this.consumers.push(consumer); // so that close() stops it even while it is still starting
      await consumer.keepStarting();
    }
  }

  /** Down while a consumer cannot start or restart (joining a group after a crash counts as up). */
  checkConsumers(): void {
    const failing = this.consumers.find((c) => c.failure);
    if (failing) throw new Error(`consumer ${failing.groupId} cannot start (retrying): ${failing.failure!.message}`);
  }

  /**
   * A batch consumer with this service's settings, not started. Services that manage a consumer
   * themselves (reporting's rebuild under a fresh group) use this; others use addConsumer.
   */
  createConsumer(definition: ConsumerDefinition): BatchConsumer {
    const { config } = this.options;
    return new BatchConsumer(definition, {
      kafka: this.kafka,
      dataSource: this.dataSource,
      producer: this.producer,
      service: config.SERVICE_NAME,
      topicPrefix: config.TOPIC_PREFIX,
      logger: this.logger,
      metrics: this.metrics,
      concurrency: config.CONSUMER_CONCURRENCY,
      batchSize: config.CONSUMER_BATCH_SIZE,
      sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS,
      redeliveryBudget: config.CONSUMER_REDELIVERY_BUDGET,
    });
  }

  /** Graceful: consumers finish the batch in flight and commit; the relay finishes its batch. */
  async close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    for (const consumer of this.consumers.splice(0)) await consumer.stop().catch((e) => this.logger.warn({ err: e }, 'consumer stop'));
    await this.relay?.stop();
    await this.maintenance?.stop();
    await this.producer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    await this.healthAdmin?.disconnect().catch(() => undefined);
    if (this.dataSource?.isInitialized) await this.dataSource.destroy();
    this.logger.info('service runtime closed');
  }

  /** For /health: the database answers and the Kafka cluster answers a metadata request. */
  async checkDatabase(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  /** A real round trip (cached cluster metadata would say "up" while the broker is away). */
  async checkKafka(): Promise<void> {
    this.healthAdmin ??= this.kafka.admin({ retry: { retries: 0 } });
    const admin = this.healthAdmin;
    const probe = (async () => {
      await admin.connect(); // a no-op while connected; reconnects after a broker restart
      await admin.fetchTopicMetadata({ topics: [topicName(this.config.TOPIC_PREFIX, TOPICS.deadLetter)] });
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('Kafka did not answer within 3 s')), 3_000);
    });
    try {
      await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
      probe.catch(() => undefined);
    }
  }
}
