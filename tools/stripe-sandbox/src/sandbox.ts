import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiHandler } from './api-handler';
import {
  applyConfigPatch,
  ConfigPatch,
  RateLimitSetting,
  silentLogger,
  type SandboxConfig,
  type SandboxLogger,
} from './config';
import { createControlApi } from './control-api';
import { seededRandom, unseededRandom, type RandomSource } from './random';
import { TokenBucket } from './rate-limit';
import type { RequestStats } from './request-stats';
import { clearState, emptyState, type EventRecord, type SandboxState } from './state';
import { WebhookDeliverer } from './webhook-delivery';

export type { SandboxConfig, SandboxLogger } from './config';

export interface SandboxOptions {
  latencyMs?: number;
  errorRate?: number;
  dropAfterChargeRate?: number;
  dropAfterRefundRate?: number;
  refundFailureReason?: SandboxConfig['refundFailureReason'];
  seed?: number | null;
  /** Requests per second over every `/v1` call, 429 beyond; burst defaults to perSecond / 10. */
  rateLimit?: { perSecond: number; burst?: number } | null;
  webhook?: { url: string; secret: string; enabledEvents?: string[] } | null;
  logger?: SandboxLogger;
  /** Wall clock in milliseconds; defaults to Date.now. */
  now?: () => number;
  /** Delays between webhook delivery attempts (default 200, 1000, 5000 ms). */
  webhookRetryDelaysMs?: readonly number[];
  webhookTimeoutMs?: number;
}

export interface Sandbox {
  listen(port: number, host?: string): Promise<{ port: number }>;
  close(): Promise<void>;
  readonly state: SandboxState;
  readonly config: Readonly<SandboxConfig>;
  configure(patch: unknown): SandboxConfig;
  reset(): void;
  /** Resolves when every webhook delivery in progress has finished (delivered or given up). */
  drainWebhooks(): Promise<void>;
}

/**
 * The sandbox's state, config, fault draws, timers and webhook deliverer, and the HTTP server
 * that routes `/_sandbox/*` to the control API and everything else to the Stripe API handler.
 */
export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const logger = options.logger ?? silentLogger;
  const nowMs = options.now ?? Date.now;
  const nowSeconds = () => Math.floor(nowMs() / 1000);
  const initial = (): SandboxConfig => ({
    latencyMs: options.latencyMs ?? 0,
    errorRate: options.errorRate ?? 0,
    dropAfterChargeRate: options.dropAfterChargeRate ?? 0,
    dropAfterRefundRate: options.dropAfterRefundRate ?? 0,
    refundFailureReason: options.refundFailureReason ?? null,
    seed: options.seed ?? null,
    rateLimit: options.rateLimit ? RateLimitSetting.parse(options.rateLimit) : null,
    webhook: options.webhook ? { enabledEvents: ['*'], ...options.webhook } : null,
  });
  let config = initial();
  // Validate the options the same way run-time patches are validated.
  ConfigPatch.parse(config);
  let random: RandomSource = config.seed === null ? unseededRandom() : seededRandom(config.seed);
  const state = emptyState();
  const stats: RequestStats = new Map();
  const bucketFor = (c: SandboxConfig) => (c.rateLimit === null ? null : new TokenBucket(c.rateLimit, nowMs()));
  let bucket = bucketFor(config);
  const instanceTag = randomBytes(4).toString('hex');
  let sequence = 0;
  const newId = (prefix: string) => `${prefix}_${instanceTag}${(++sequence).toString(36).padStart(8, '0')}`;
  const sleeps = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  const deliverer = new WebhookDeliverer({
    retryDelaysMs: options.webhookRetryDelaysMs ?? [200, 1000, 5000],
    timeoutMs: options.webhookTimeoutMs ?? 5000,
    now: nowSeconds,
    onAttempt(event, status, error) {
      event.deliveries.push({ attempt: event.deliveries.length + 1, at: nowSeconds(), status, error });
      if (status !== null && status >= 200 && status < 300) event.delivered = true;
      logger.info({ event: event.id, type: event.type, status, error }, 'webhook delivery');
    },
  });

  function configure(patch: unknown): SandboxConfig {
    const parsed = ConfigPatch.parse(patch);
    config = applyConfigPatch(config, parsed);
    if (parsed.rateLimit !== undefined) bucket = bucketFor(config);
    if (parsed.seed !== undefined) random = parsed.seed === null ? unseededRandom() : seededRandom(parsed.seed);
    return config;
  }

  function reset(): void {
    clearState(state);
    stats.clear();
    config = initial();
    bucket = bucketFor(config);
    random = config.seed === null ? unseededRandom() : seededRandom(config.seed);
  }

  function sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        resolve,
        timer: setTimeout(() => {
          sleeps.delete(entry);
          resolve();
        }, ms),
      };
      sleeps.add(entry);
    });
  }

  function publish(events: EventRecord[]): void {
    const webhook = config.webhook;
    if (webhook === null) return;
    for (const event of events) {
      if (webhook.enabledEvents.includes('*') || webhook.enabledEvents.includes(event.type)) {
        deliverer.deliver(webhook, event);
      }
    }
  }

  const handleApi = createApiHandler({
    state,
    logger,
    config: () => config,
    random: () => random(),
    admit: () => bucket === null || bucket.tryTake(nowMs()),
    stats,
    sleep,
    nowMs,
    newId,
    publish,
  });
  const handleControl = createControlApi({ state, stats, logger, config: () => config, configure, reset });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const requestId = newId('req');
    const handler = url.pathname.startsWith('/_sandbox/')
      ? handleControl(req, res, url)
      : handleApi(req, res, url, requestId);
    handler.catch((error: unknown) => {
      logger.warn({ requestId, error: String(error) }, 'sandbox bug');
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'api_error', message: 'The sandbox failed to handle this request.' } }));
      }
    });
  });

  return {
    state,
    get config() {
      return config;
    },
    configure,
    reset,
    drainWebhooks: () => deliverer.drain(),
    listen(port: number, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve({ port: (server.address() as AddressInfo).port });
        });
      });
    },
    async close() {
      deliverer.stop();
      for (const entry of sleeps) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      sleeps.clear();
      await new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await deliverer.drain();
    },
  };
}
