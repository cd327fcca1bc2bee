/**
 * How collections chases an unpaid invoice.
 *
 * - `retryOffsetsMs[n - 1]` is when attempt `n + 1` runs, measured from the FIRST failure of the
 *   invoice (not from the previous attempt), so the schedule does not drift when a retry runs late.
 *   Offsets are positive and strictly increasing. `[]` means "never retry".
 * - `holdGraceMs` is how long after a NON-retryable failure (the customer must act: authentication
 *   required, lost card…) the account is put on hold. Default 1 day: the payment-failed email goes
 *   out at once and the customer gets a day to fix the card before the account is blocked.
 *   When retries are exhausted there is no grace: the customer already had every retry window.
 */
export interface DunningPolicy {
  readonly retryOffsetsMs: readonly number[];
  readonly holdGraceMs: number;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULT_DUNNING_POLICY: DunningPolicy = {
  retryOffsetsMs: [1 * DAY, 3 * DAY, 7 * DAY],
  holdGraceMs: 1 * DAY,
};

/** Raw settings as read by the app's config object, e.g. `{ retryOffsets: '2s,4s,6s', holdGrace: '0s' }`. */
export interface DunningPolicyConfig {
  /** Comma-separated durations after the first failure, e.g. `1d,3d,7d`; `none` for no retries. */
  readonly retryOffsets?: string;
  /** One duration, e.g. `1d`; `0s` places the hold at once. */
  readonly holdGrace?: string;
}

export type DunningPolicyField = keyof DunningPolicyConfig;

export interface InvalidDunningPolicy {
  readonly code: 'invalid_dunning_policy';
  readonly field: DunningPolicyField;
  /** Names the field, e.g. `retryOffsets: "3x" is not a duration …`. */
  readonly message: string;
}

export type ParsedDunningPolicy = { ok: true; policy: DunningPolicy } | { ok: false; error: InvalidDunningPolicy };

const UNIT_MS: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY };
const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const DURATION_HINT = 'use a whole number followed by ms, s, m, h or d, e.g. 3d';

type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

/** Parses one duration such as `250ms`, `2s`, `15m`, `6h`, `7d`. */
export function parseDuration(text: string): DurationResult {
  const match = DURATION.exec(text.trim());
  if (!match) return { ok: false, message: `"${text}" is not a duration (${DURATION_HINT})` };
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  if (!Number.isSafeInteger(ms)) return { ok: false, message: `"${text}" is too long` };
  return { ok: true, ms };
}

function invalid(field: DunningPolicyField, message: string): ParsedDunningPolicy {
  return { ok: false, error: { code: 'invalid_dunning_policy', field, message: `${field}: ${message}` } };
}

/** Builds a policy from config strings; a missing setting takes its default. */
export function parseDunningPolicy(config: DunningPolicyConfig = {}): ParsedDunningPolicy {
  let retryOffsetsMs = DEFAULT_DUNNING_POLICY.retryOffsetsMs;
  let holdGraceMs = DEFAULT_DUNNING_POLICY.holdGraceMs;

  const { retryOffsets, holdGrace } = config;
  if (retryOffsets !== undefined) {
    if (typeof retryOffsets !== 'string') return invalid('retryOffsets', 'must be a string such as "1d,3d,7d"');
    if (retryOffsets.trim() === 'none') {
      retryOffsetsMs = [];
    } else {
      const parsed: number[] = [];
      for (const part of retryOffsets.split(',')) {
        const duration = parseDuration(part);
        if (!duration.ok) return invalid('retryOffsets', duration.message);
        if (duration.ms <= 0) return invalid('retryOffsets', `"${part.trim()}" must be greater than zero`);
        const previous = parsed[parsed.length - 1];
        if (previous !== undefined && duration.ms <= previous) {
          return invalid(
            'retryOffsets',
            `offsets count from the first failure and must increase strictly; "${part.trim()}" does not`,
          );
        }
        parsed.push(duration.ms);
      }
      retryOffsetsMs = parsed;
    }
  }

  if (holdGrace !== undefined) {
    if (typeof holdGrace !== 'string') return invalid('holdGrace', 'must be a string such as "1d"');
    const duration = parseDuration(holdGrace);
    if (!duration.ok) return invalid('holdGrace', duration.message);
    holdGraceMs = duration.ms;
  }

  return { ok: true, policy: { retryOffsetsMs, holdGraceMs } };
}
