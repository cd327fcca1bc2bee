import { z } from 'zod';
import { ConfigError } from './errors';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration such as `90s`, `15m`, `6h` or `30d`, in milliseconds. */
export function durationSetting(fallback: string) {
  return z
    .string()
    .regex(/^\d+(ms|s|m|h|d)$/, { message: 'a whole number followed by ms, s, m, h or d (e.g. 30d)' })
    .default(fallback)
    .transform((value) => {
      const [, amount, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(value)!;
      return Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
    });
}

/**
 * Configuration every service shares. Each app extends it with its own fields and reads it
 * once at start-up through `loadConfig`; `process.env` is read nowhere else.
 */
export const baseConfigShape = {
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/postgres'),
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean)),
  TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/).default(''),
  TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(256).default(8),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `role[+role]:sha256=<hex>` entries, comma separated. Only hashes are configured, never tokens. */
  AUTH_TOKENS: z.string().default(''),
  OUTBOX_POLL_MS: z.coerce.number().int().min(5).max(10_000).default(50),
  CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  CONSUMER_BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).default(500),
  /**
   * Failed deliveries of the same offset (each after the consumer's in-process attempts) before its
   * batch is isolated and the event that keeps failing is dead-lettered (`retries_exhausted`).
   * Bounds how long one poison message holds its partition; outages never spend it.
   */
  CONSUMER_REDELIVERY_BUDGET: z.coerce.number().int().min(1).max(100).default(3),
  /** How long a starting service waits for an unreachable broker before giving up. */
  KAFKA_STARTUP_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(120_000),
  /** How long the group waits for a silent member (a killed process) before reassigning its partitions. */
  CONSUMER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(30_000),
  /**
   * Published outbox rows older than this are deleted (unpublished rows never are): Kafka keeps the
   * events, the rows are only a local record. Safe at any value (libs/messaging README, Retention).
   */
  OUTBOX_RETENTION: durationSetting('6h').pipe(z.number().min(60_000, 'at least 1m')),
  /**
   * Inbox ids older than this are deleted: an event redelivered later would be handled again. Must
   * outlast every redelivery (libs/messaging README, Retention); the dead-letter replay refuses events
   * older than half of it.
   */
  INBOX_RETENTION: durationSetting('30d').pipe(z.number().min(60_000, 'at least 1m')),
  /** How often a service prunes its outbox and inbox and, without autovacuum, vacuums its tables. */
  MAINTENANCE_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
  /** Rows deleted per statement when pruning: each batch is its own short transaction. */
  PRUNE_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(1_000),
  /**
   * Whether the service VACUUMs and ANALYZEs its own tables by autovacuum's thresholds: `auto` when
   * the server's autovacuum is off (a server left without it stays linear), `on`, `off`.
   */
  SELF_VACUUM: z.enum(['auto', 'on', 'off']).default('auto'),
};

export type BaseConfig = z.infer<z.ZodObject<typeof baseConfigShape>> & {
  SERVICE_NAME: string;
  DATABASE_NAME: string;
  HTTP_PORT: number;
};

/**
 * Validates `env` against the base shape plus `extra`, naming every bad field.
 * `DATABASE_NAME` defaults to `billing_<service>` and `HTTP_PORT` to `defaultPort`.
 */
export function loadConfig<E extends z.ZodRawShape>(
  service: string,
  defaultPort: number,
  extra: E,
  env: Record<string, string | undefined>,
): BaseConfig & z.infer<z.ZodObject<E>> {
  const schema = z.object({
    ...baseConfigShape,
    DATABASE_NAME: z.string().regex(/^[a-z_][a-z0-9_]*$/).default(`billing_${service}`),
    HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(defaultPort),
    ...extra,
  });
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid ${service} configuration: ${fields}`);
  }
  return { ...(parsed.data as object), SERVICE_NAME: service } as BaseConfig & z.infer<z.ZodObject<E>>;
}
