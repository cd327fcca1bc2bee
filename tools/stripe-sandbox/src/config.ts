import { z } from 'zod';
import { defaultBurst, type RateLimit } from './rate-limit';
import type { WebhookEndpoint } from './webhook-delivery';

/** Fault switches and webhook target; changeable at run time through `POST /_sandbox/config`. */
export interface SandboxConfig {
  /** Delay before every `/v1` answer (after the idempotency key is locked). */
  latencyMs: number;
  /** Fraction (0..1) of `/v1` requests answered 500 `api_error` before anything executes. */
  errorRate: number;
  /**
   * Fraction (0..1) of answers that carry a charge (the first answer and its idempotent
   * replays) whose TCP connection is destroyed instead: the charge is made and recorded,
   * the client sees a connection error.
   */
  dropAfterChargeRate: number;
  /** The same for answers that carry a refund: the refund is made, the client sees a connection error. */
  dropAfterRefundRate: number;
  /**
   * While set, every new refund is made with `status: failed` and this Stripe `failure_reason`
   * (nothing refunded): a refund the provider finally declines. null: refunds succeed.
   */
  refundFailureReason: RefundFailureReason | null;
  /** Seed for the fault draws; null draws from Math.random. */
  seed: number | null;
  /**
   * Requests per second (with a burst) over every `/v1` call, as Stripe limits an account;
   * beyond it the sandbox answers 429 before anything executes. null: no limit.
   */
  rateLimit: RateLimit | null;
  webhook: (WebhookEndpoint & { enabledEvents: string[] }) | null;
}

/** The pino-compatible subset the sandbox logs through. */
export interface SandboxLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export const silentLogger: SandboxLogger = { info: () => undefined, warn: () => undefined };

/** `{ perSecond, burst? }`: the burst defaults to a tenth of a second's worth (at least 1). */
export const RateLimitSetting = z
  .object({
    perSecond: z.number().positive().max(1_000_000),
    burst: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict()
  .transform(({ perSecond, burst }): RateLimit => ({ perSecond, burst: burst ?? defaultBurst(perSecond) }));

/** Stripe's documented Refund.failure_reason values. */
export const REFUND_FAILURE_REASONS = [
  'charge_for_pending_refund_disputed',
  'declined',
  'expired_or_canceled_card',
  'insufficient_funds',
  'lost_or_stolen_card',
  'merchant_request',
  'unknown',
] as const;
export type RefundFailureReason = (typeof REFUND_FAILURE_REASONS)[number];

/** A run-time change to the config: any subset of its fields, each validated. */
export const ConfigPatch = z
  .object({
    latencyMs: z.number().int().min(0).max(120_000),
    errorRate: z.number().min(0).max(1),
    dropAfterChargeRate: z.number().min(0).max(1),
    dropAfterRefundRate: z.number().min(0).max(1),
    refundFailureReason: z.enum(REFUND_FAILURE_REASONS).nullable(),
    seed: z.number().int().nullable(),
    rateLimit: RateLimitSetting.nullable(),
    webhook: z
      .object({
        url: z.url({ protocol: /^https?$/ }),
        secret: z.string().min(1),
        enabledEvents: z.array(z.string().min(1)).min(1).optional(),
      })
      .nullable(),
  })
  .partial()
  .strict();
export type ConfigPatch = z.output<typeof ConfigPatch>;

export function applyConfigPatch(config: SandboxConfig, patch: ConfigPatch): SandboxConfig {
  const { webhook, ...rest } = patch;
  return {
    ...config,
    ...rest,
    ...(webhook === undefined
      ? {}
      : { webhook: webhook === null ? null : { ...webhook, enabledEvents: webhook.enabledEvents ?? ['*'] } }),
  };
}

/** The config as the control API shows it: the webhook secret is never echoed. */
export function publicConfig(config: SandboxConfig) {
  const { webhook, ...rest } = config;
  return {
    ...rest,
    webhook: webhook === null ? null : { url: webhook.url, enabledEvents: webhook.enabledEvents, secretSet: true },
  };
}
