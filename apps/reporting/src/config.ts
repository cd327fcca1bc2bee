import { loadConfig } from '@billing/messaging';

/** The reporting service's configuration, validated once at start-up. */
export const reportingConfigShape = {};

export function loadReportingConfig(env: Record<string, string | undefined>) {
  return loadConfig('reporting', 3005, reportingConfigShape, env);
}

export type ReportingConfig = ReturnType<typeof loadReportingConfig>;
