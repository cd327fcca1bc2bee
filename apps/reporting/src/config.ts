import { z } from 'zod';
import { loadConfig } from '@billing/messaging';

/** The reporting service's configuration, validated once at start-up. */
export const reportingConfigShape = {
  /** How often (real time) each instance checks whether a rebuild started a new projection generation. */
  PROJECTION_GENERATION_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(2_000),
  /** Page size of paginated reports when `limit` is not given. */
  REPORT_PAGE_SIZE: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Largest `limit` a client may ask for. */
  REPORT_PAGE_SIZE_MAX: z.coerce.number().int().min(1).max(100_000).default(1_000),
  /** The rebuild command waits at most this long for the replay to reach the ledger's end. */
  REBUILD_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(24 * 3_600_000).default(3_600_000),
};

export function loadReportingConfig(env: Record<string, string | undefined>) {
  return loadConfig('reporting', 3005, reportingConfigShape, env);
}

export type ReportingConfig = ReturnType<typeof loadReportingConfig>;

/** Nest injection token of the validated config object. */
export const REPORTING_CONFIG = Symbol('REPORTING_CONFIG');
