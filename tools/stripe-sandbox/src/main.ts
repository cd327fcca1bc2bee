import pino from 'pino';
import { z } from 'zod';
import { createSandbox } from './sandbox';

/**
 * Starts the Stripe sandbox: `node -r @swc-node/register tools/stripe-sandbox/src/main.ts`.
 * The only place the sandbox reads the environment. Logs JSON lines (pino) to stdout; request
 * logs carry ids, paths, status and idempotency keys, never card data or bodies.
 */
const Env = z.object({
  STRIPE_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(12111),
  STRIPE_SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  STRIPE_SANDBOX_WEBHOOK_URL: z.url().optional(),
  STRIPE_SANDBOX_WEBHOOK_SECRET: z.string().min(1).optional(),
  STRIPE_SANDBOX_LATENCY_MS: z.coerce.number().int().min(0).default(0),
  STRIPE_SANDBOX_SEED: z.coerce.number().int().optional(),
  /** Requests per second over every `/v1` call (429 beyond); unset: no limit. */
  STRIPE_SANDBOX_RATE_LIMIT: z.coerce.number().positive().max(1_000_000).optional(),
  /** Requests let through at once from idle; default a tenth of the rate, at least 1. */
  STRIPE_SANDBOX_RATE_BURST: z.coerce.number().int().min(1).max(1_000_000).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

async function main(): Promise<void> {
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
  }
  const env = parsed.data;
  const logger = pino({ name: 'stripe-sandbox', level: env.LOG_LEVEL });
  if ((env.STRIPE_SANDBOX_WEBHOOK_URL === undefined) !== (env.STRIPE_SANDBOX_WEBHOOK_SECRET === undefined)) {
    throw new Error('Set both STRIPE_SANDBOX_WEBHOOK_URL and STRIPE_SANDBOX_WEBHOOK_SECRET, or neither.');
  }
  if (env.STRIPE_SANDBOX_RATE_BURST !== undefined && env.STRIPE_SANDBOX_RATE_LIMIT === undefined) {
    throw new Error('STRIPE_SANDBOX_RATE_BURST needs STRIPE_SANDBOX_RATE_LIMIT.');
  }
  const sandbox = createSandbox({
    logger,
    latencyMs: env.STRIPE_SANDBOX_LATENCY_MS,
    seed: env.STRIPE_SANDBOX_SEED ?? null,
    rateLimit:
      env.STRIPE_SANDBOX_RATE_LIMIT === undefined
        ? null
        : { perSecond: env.STRIPE_SANDBOX_RATE_LIMIT, burst: env.STRIPE_SANDBOX_RATE_BURST },
    webhook:
      env.STRIPE_SANDBOX_WEBHOOK_URL !== undefined && env.STRIPE_SANDBOX_WEBHOOK_SECRET !== undefined
        ? { url: env.STRIPE_SANDBOX_WEBHOOK_URL, secret: env.STRIPE_SANDBOX_WEBHOOK_SECRET }
        : null,
  });
  const { port } = await sandbox.listen(env.STRIPE_SANDBOX_PORT, env.STRIPE_SANDBOX_HOST);
  logger.info({ host: env.STRIPE_SANDBOX_HOST, port, rateLimit: sandbox.config.rateLimit }, 'stripe sandbox listening');
  const stop = (signal: string) => {
    logger.info({ signal }, 'stripe sandbox stopping');
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(JSON.stringify({ level: 'fatal', msg: 'stripe sandbox failed to start', error: String(error) }));
  process.exit(1);
});
