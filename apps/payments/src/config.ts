import { z } from 'zod';
import { loadConfig } from '@billing/messaging';

const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback)
    .transform((v) => v === 'true' || v === '1');

/** The payments service's configuration, validated once at start-up. */
export const paymentsConfigShape = {
  /**
   * Stripe secret key. When absent the SDK talks to the local Stripe-compatible sandbox at
   * STRIPE_API_PROTOCOL://STRIPE_API_HOST:STRIPE_API_PORT with the dummy key `sk_test_sandbox`.
   */
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_\w+$/, { message: 'must be a Stripe secret key (sk_test_… / sk_live_…)' })
    .optional(),
  STRIPE_API_HOST: z.string().min(1).default('127.0.0.1'),
  STRIPE_API_PORT: z.coerce.number().int().min(1).max(65535).default(12111),
  STRIPE_API_PROTOCOL: z.enum(['http', 'https']).default('http'),
  /** Endpoint secret (`whsec_…`) the webhook signatures are checked with; empty refuses every webhook. */
  STRIPE_WEBHOOK_SECRET: z.string().default(''),
  /**
   * The ONE retry layer of a Stripe call: retries the SDK makes by itself (same idempotency key,
   * jittered exponential back-off 0.5–5 s, `Stripe-Should-Retry` honoured) on connection errors,
   * timeouts, 409 and 5xx. A call is thus at most 1 + this many requests (a closed connection is
   * retried once even at 0). See the budget table in libs/messaging/README.md.
   */
  STRIPE_MAX_NETWORK_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /** Per-request timeout of the SDK. */
  STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(20_000),
  /**
   * The budget of Stripe requests per second for the whole payments consumer group (every
   * instance together; a shared bucket in PostgreSQL), paced with AIMD below it. Absent: 80 with a
   * live key, 20 with a test key (below Stripe's 100 and 25), 0 against the local sandbox without
   * a key. 0 = unlimited (no pacing; a 429 is then an outage, the batch redelivered).
   */
  STRIPE_MAX_REQUESTS_PER_SECOND: z.coerce.number().min(0).max(10_000).optional(),
  /** Provider calls of one consumer batch that run at the same time. */
  PAYMENTS_PROVIDER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  /**
   * TEST ONLY: the process SIGKILLs itself right after a provider call returns, before the
   * outcome is committed (crash-safety test). Never set in a deployment.
   */
  PAYMENTS_CRASH_AFTER_PROVIDER_CALL: flag('false'),
};

export function loadPaymentsConfig(env: Record<string, string | undefined>) {
  const config = loadConfig('payments', 3002, paymentsConfigShape, env);
  return { ...config, providerRequestsPerSecond: config.STRIPE_MAX_REQUESTS_PER_SECOND ?? defaultRequestBudget(config.STRIPE_SECRET_KEY) };
}

/** 80/s live, 20/s test (Stripe allows about 100 and 25), unlimited against the sandbox. */
export function defaultRequestBudget(secretKey: string | undefined): number {
  if (secretKey === undefined) return 0;
  return /^(sk|rk)_live_/.test(secretKey) ? 80 : 20;
}

export type PaymentsConfig = ReturnType<typeof loadPaymentsConfig>;

/** Nest injection token of the validated config object. */
export const PAYMENTS_CONFIG = Symbol('PAYMENTS_CONFIG');
