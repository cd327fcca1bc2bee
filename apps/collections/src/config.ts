import { z } from 'zod';
import { ConfigError, loadConfig } from '@billing/messaging';
import { DunningPolicy, DunningPolicyConfig, parseDunningPolicy } from './collections/domain/policy';

/** A dunning policy setting checked by the domain's own parser, so a bad value names its field. */
function policySetting(field: keyof DunningPolicyConfig, fallback: string) {
  return z
    .string()
    .default(fallback)
    .superRefine((value, ctx) => {
      const parsed = parseDunningPolicy({ [field]: value });
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error.message });
    });
}

const flag = z
  .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
  .default('true')
  .transform((v) => v === 'true' || v === '1');

/** The collections service's configuration, validated once at start-up. */
export const collectionsConfigShape = {
  /** Retries after the FIRST failure, e.g. `1d,3d,7d` (tests and demos: `1s,2s,3s`); `none` for no retries. */
  DUNNING_RETRY_OFFSETS: policySetting('retryOffsets', '1d,3d,7d'),
  /** How long after a failure a retry cannot fix the account goes on hold. */
  DUNNING_HOLD_GRACE: policySetting('holdGrace', '1d'),
  /** Runs the retry/hold scheduler in this process (every instance may run it: rows are locked with SKIP LOCKED). */
  SCHEDULER_ENABLED: flag,
  SCHEDULER_POLL_MS: z.coerce.number().int().min(5).max(60_000).default(1000),
  /** Rows the scheduler claims per transaction. */
  SCHEDULER_BATCH: z.coerce.number().int().min(1).max(5000).default(500),
};

export function loadCollectionsConfig(env: Record<string, string | undefined>) {
  return loadConfig('collections', 3004, collectionsConfigShape, env);
}

export type CollectionsConfig = ReturnType<typeof loadCollectionsConfig>;

/** The validated dunning policy of a loaded configuration. */
export function dunningPolicyOf(config: Pick<CollectionsConfig, 'DUNNING_RETRY_OFFSETS' | 'DUNNING_HOLD_GRACE'>): DunningPolicy {
  const parsed = parseDunningPolicy({ retryOffsets: config.DUNNING_RETRY_OFFSETS, holdGrace: config.DUNNING_HOLD_GRACE });
  if (!parsed.ok) {
    const field = parsed.error.field === 'retryOffsets' ? 'DUNNING_RETRY_OFFSETS' : 'DUNNING_HOLD_GRACE';
    throw new ConfigError(`invalid collections configuration: ${field}: ${parsed.error.message}`);
  }
  return parsed.policy;
}
