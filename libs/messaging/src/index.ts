export { AUTH_TOKENS, BearerAuthGuard, Role, Roles, TokenEntry, hashToken, parseTokenConfig, rolesForToken } from './auth';
export { Settled, mapBounded, settleBounded } from './bounded';
export { CLOCK, Clock, ManualClock, systemClock } from './clock';
export { BaseConfig, baseConfigShape, durationSetting, loadConfig } from './config';
export { BatchConsumer, BatchConsumerOptions, ConsumerDefinition, DeadLetterReason, HandlerContext } from './consumer';
export {
  DEAD_LETTER_REPLAYS_TOPIC,
  DeadLetter,
  DeadLetterStore,
  ReplayOutcome,
  deadLetterReplaysTopicConfig,
  formatDeadLetter,
  listDeadLetters,
  replayDeadLetter,
} from './dead-letters';
export { MigrationClass, createDataSource, databaseUrl, dropDatabase, ensureDatabase, openServiceDatabase } from './database';
export { ConfigError, PermanentError, TransientError, TransientErrorOptions, isOutage, isTransient, wasRetried } from './errors';
export { Provenance, causedBy, eventMeta } from './event-meta';
export { ServiceBootOptions, bootService, parseRequest, serveApiDocs } from './http';
export { CodedRefusal, RefusalStatus, toHttpError } from './http-errors';
export { newId } from './ids';
export { claimInbox } from './inbox';
export { billingTopicConfigs, createKafka, ensureTopics, topicName } from './kafka';
export { Logger, PinoNestLogger, createLogger } from './logger';
export { MessagingMaintenance, MessagingMaintenanceOptions, maintenanceDue, pruneInboxBatch, pruneOutboxBatch, vacuumDueTables } from './maintenance';
export { MessagingOutboxStatistics1764300030000 } from './messaging-outbox-statistics.migration';
export { MessagingOutboxClaimStatistics1764300031000 } from './messaging-outbox-claim-statistics.migration';
export { MessagingRetention1764300020000 } from './messaging-retention.migration';
export { MessagingTables1764300000000 } from './messaging-tables.migration';
export { Metrics } from './metrics';
export { LOGGER, ServiceCoreModule } from './observability';
export { OutboxRelay, OutboxRelayOptions, appendToOutbox } from './outbox';
export { toSafeInteger, toUtcIso, toUtcIsoOrNull } from './pg-values';
export { PollLoop, PollLoopOptions } from './poll-loop';
export { RetryOptions, abortableSleep, backoffDelay, backoffStep, retry } from './retry';
export { RuntimeOptions, ServiceRuntime } from './runtime';
