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
import { Metrics } from './metrics';
import { OutboxRelay } from './outbox';

export interface RuntimeOptions {
  config: BaseConfig;
  entities?: ServiceDataSourceOptions['entities'];
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
      entities: this.options.entities,
      migrations: this.options.migrations,
    });
    await this.warnAboutMaintenance();
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
    this.logger.info({ database: config.DATABASE_NAME, brokers: config.KAFKA_BROKERS }, 'service runtime open');
  }

  /**
   * Batch lookups (`WHERE id = ANY($1)`) rely on planner statistics. Without autovacuum nothing
   * analyses the tables that grow during a month close, and those lookups turn into sequential
   * scans: PostgreSQL's work grows faster than the number of accounts. Said once, at start-up.
   */
  private async warnAboutMaintenance(): Promise<void> {
    const [{ autovacuum }] = (await this.dataSource.query('SHOW autovacuum')) as { autovacuum: string }[];
    if (autovacuum !== 'on') {
      this.logger.warn(
        { autovacuum, database: this.options.config.DATABASE_NAME },
        'PostgreSQL autovacuum is off: tables are never analysed and batch lookups degrade to sequential scans as they grow; turn it on or run ANALYZE regularly',
      );
    }
  }

  /**
   * Admin, topics and producer. A broker that is down or restarting at start-up is waited for
   * (with back-off, up to KAFKA_STARTUP_TIMEOUT_MS) rather than crashing the process.
   */
  private async connectKafka(): Promise<void> {
    const { config } = this.options;
    const deadline = Date.now() + config.KAFKA_STARTUP_TIMEOUT_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        this.admin = this.kafka.admin();
        await this.admin.connect();
        await ensureTopics(this.admin, billingTopicConfigs({ prefix: config.TOPIC_PREFIX, partitions: config.TOPIC_PARTITIONS }));
        this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
        await this.producer.connect();
        return;
      } catch (error) {
        await this.admin?.disconnect().catch(() => undefined);
        await this.producer?.disconnect().catch(() => undefined);
        if (Date.now() > deadline) throw error;
        this.logger.warn({ err: error, attempt }, 'Kafka not reachable yet; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** attempt)));
      }
    }
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
