import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { ApiError, type StripeErrorBody } from './api-error';
import { fingerprint, parseForm, type FormParams } from './form-body';
import { seededRandom, unseededRandom, type RandomSource } from './random';
import { clearState, emptyState, type EventRecord, type SandboxState } from './state';
import {
  attachPaymentMethod,
  confirmPaymentIntent,
  createCustomer,
  createPaymentIntent,
  createRefund,
  retrieveCustomer,
  retrievePaymentIntent,
  retrievePaymentMethod,
  type ApiContext,
  type ApiResult,
} from './stripe-api';
import { WebhookDeliverer, type WebhookEndpoint } from './webhook-delivery';

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
  /** Seed for the fault draws; null draws from Math.random. */
  seed: number | null;
  webhook: (WebhookEndpoint & { enabledEvents: string[] }) | null;
}

/** The pino-compatible subset the sandbox logs through. */
export interface SandboxLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface SandboxOptions {
  latencyMs?: number;
  errorRate?: number;
  dropAfterChargeRate?: number;
  seed?: number | null;
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

const ConfigPatch = z
  .object({
    latencyMs: z.number().int().min(0).max(120_000),
    errorRate: z.number().min(0).max(1),
    dropAfterChargeRate: z.number().min(0).max(1),
    seed: z.number().int().nullable(),
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

const silentLogger: SandboxLogger = { info: () => undefined, warn: () => undefined };
const MAX_BODY_BYTES = 1024 * 1024;

type Route =
  | { method: 'GET' | 'POST'; pattern: RegExp; run: (ctx: ApiContext, params: FormParams, id: string) => ApiResult };

const ROUTES: readonly Route[] = [
  { method: 'POST', pattern: /^\/v1\/customers$/, run: (ctx, params) => createCustomer(ctx, params) },
  { method: 'GET', pattern: /^\/v1\/customers\/([^/]+)$/, run: (ctx, _params, id) => retrieveCustomer(ctx, id) },
  {
    method: 'POST',
    pattern: /^\/v1\/payment_methods\/([^/]+)\/attach$/,
    run: (ctx, params, id) => attachPaymentMethod(ctx, id, params),
  },
  { method: 'GET', pattern: /^\/v1\/payment_methods\/([^/]+)$/, run: (ctx, _params, id) => retrievePaymentMethod(ctx, id) },
  { method: 'POST', pattern: /^\/v1\/payment_intents$/, run: (ctx, params) => createPaymentIntent(ctx, params) },
  {
    method: 'GET',
    pattern: /^\/v1\/payment_intents\/([^/]+)$/,
    run: (ctx, _params, id) => retrievePaymentIntent(ctx, id),
  },
  {
    method: 'POST',
    pattern: /^\/v1\/payment_intents\/([^/]+)\/confirm$/,
    run: (ctx, params, id) => confirmPaymentIntent(ctx, id, params),
  },
  { method: 'POST', pattern: /^\/v1\/refunds$/, run: (ctx, params) => createRefund(ctx, params) },
];

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const logger = options.logger ?? silentLogger;
  const nowMs = options.now ?? Date.now;
  const nowSeconds = () => Math.floor(nowMs() / 1000);
  const initial = (): SandboxConfig => ({
    latencyMs: options.latencyMs ?? 0,
    errorRate: options.errorRate ?? 0,
    dropAfterChargeRate: options.dropAfterChargeRate ?? 0,
    seed: options.seed ?? null,
    webhook: options.webhook ? { enabledEvents: ['*'], ...options.webhook } : null,
  });
  let config = initial();
  // Validate the options the same way run-time patches are validated.
  ConfigPatch.parse(config);
  let random: RandomSource = config.seed === null ? unseededRandom() : seededRandom(config.seed);
  const state = emptyState();
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
    const { webhook, ...rest } = parsed;
    config = {
      ...config,
      ...rest,
      ...(webhook === undefined
        ? {}
        : { webhook: webhook === null ? null : { ...webhook, enabledEvents: webhook.enabledEvents ?? ['*'] } }),
    };
    if (parsed.seed !== undefined) random = parsed.seed === null ? unseededRandom() : seededRandom(parsed.seed);
    return config;
  }

  function reset(): void {
    clearState(state);
    config = initial();
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

  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL, requestId: string) {
    const started = nowMs();
    const method = req.method ?? 'GET';
    const idempotencyKey = method === 'POST' ? headerValue(req, 'idempotency-key') : null;
    const log = (status: number | 'dropped', extra: object = {}) =>
      logger.info(
        { requestId, method, path: url.pathname, status, idempotencyKey, durationMs: nowMs() - started, ...extra },
        'request',
      );
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        'Request-Id': requestId,
        ...(idempotencyKey === null ? {} : { 'Idempotency-Key': idempotencyKey }),
        ...headers,
      });
      res.end(body);
    };
    const sendError = (status: number, error: StripeErrorBody, headers: Record<string, string> = {}) => {
      send(status, JSON.stringify({ error }), headers);
      log(status, { errorType: error.type, code: error.code });
    };
    const drop = (extra: object) => {
      req.socket.destroy();
      log('dropped', extra);
    };

    const apiKey = apiKeyOf(req);
    if (apiKey === null) {
      sendError(401, {
        type: 'invalid_request_error',
        message:
          'You did not provide a valid API key. Provide your secret key (sk_...) using the Authorization header: "Authorization: Bearer sk_test_...".',
      });
      return;
    }

    const route = ROUTES.find((r) => r.method === method && r.pattern.test(url.pathname));
    if (route === undefined) {
      sendError(404, {
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${method}: ${url.pathname}). The sandbox serves a subset of the Stripe API.`,
      });
      return;
    }
    const id = decodeURIComponent(route.pattern.exec(url.pathname)?.[1] ?? '');

    let params: FormParams;
    try {
      const body = await readBody(req);
      params = method === 'POST' ? parseForm(body) : parseForm(url.search.slice(1));
    } catch (error) {
      sendError(400, { type: 'invalid_request_error', message: `Could not read the request body: ${String(error)}` });
      return;
    }

    const endpoint = `${method} ${url.pathname}`;
    const scopedKey = idempotencyKey === null ? null : `${apiKey}\u0000${idempotencyKey}`;
    const paramsFingerprint = fingerprint(params);
    if (scopedKey !== null) {
      const existing = state.idempotency.get(scopedKey);
      if (existing?.state === 'in_flight') {
        sendError(
          409,
          {
            type: 'idempotency_error',
            code: 'idempotency_key_in_use',
            message: `There is currently another in-progress request using this idempotency key (${idempotencyKey}). Try again later.`,
          },
          { 'Stripe-Should-Retry': 'true' },
        );
        return;
      }
      if (existing !== undefined) {
        if (existing.endpoint !== endpoint) {
          sendError(400, {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${existing.endpoint}' vs '${endpoint}'). Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          });
          return;
        }
        if (existing.fingerprint !== paramsFingerprint) {
          sendError(400, {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          });
          return;
        }
        await sleep(config.latencyMs);
        if (existing.chargeBearing && random() < config.dropAfterChargeRate) {
          drop({ replayed: true, fault: 'drop_after_charge' });
          return;
        }
        send(existing.status, existing.body, { 'Idempotent-Replayed': 'true' });
        log(existing.status, { replayed: true });
        return;
      }
      state.idempotency.set(scopedKey, {
        endpoint,
        fingerprint: paramsFingerprint,
        state: 'in_flight',
        status: 0,
        body: '',
        chargeBearing: false,
      });
    }
    const release = () => {
      if (scopedKey !== null) state.idempotency.delete(scopedKey);
    };

    await sleep(config.latencyMs);
    if (random() < config.errorRate) {
      release();
      sendError(
        500,
        { type: 'api_error', message: 'An unknown error occurred (injected by the stripe sandbox).' },
        { 'Stripe-Should-Retry': 'true' },
      );
      return;
    }

    const emitted: EventRecord[] = [];
    const apiVersion = headerValue(req, 'stripe-version') ?? 'sandbox';
    const ctx: ApiContext = {
      state,
      now: nowSeconds,
      newId,
      idempotencyKey,
      emit(type, object) {
        const eventId = newId('evt');
        const payload = JSON.stringify(
          {
            id: eventId,
            object: 'event',
            api_version: apiVersion,
            created: nowSeconds(),
            data: { object },
            livemode: false,
            pending_webhooks: config.webhook === null ? 0 : 1,
            request: { id: requestId, idempotency_key: idempotencyKey },
            type,
          },
          null,
          2,
        );
        emitted.push({ id: eventId, type, payload, deliveries: [], delivered: false });
      },
    };

    let result: ApiResult;
    try {
      result = route.run(ctx, params, id);
    } catch (error) {
      release();
      if (error instanceof ApiError) {
        sendError(error.status, error.body);
      } else {
        logger.warn({ requestId, error: String(error) }, 'sandbox bug');
        sendError(500, { type: 'api_error', message: 'The sandbox failed to handle this request.' });
      }
      return;
    }

    const body = JSON.stringify(result.body);
    if (scopedKey !== null) {
      state.idempotency.set(scopedKey, {
        endpoint,
        fingerprint: paramsFingerprint,
        state: 'done',
        status: result.status,
        body,
        chargeBearing: result.chargeBearing,
      });
    }
    state.events.push(...emitted);
    if (result.chargeBearing && random() < config.dropAfterChargeRate) {
      drop({ fault: 'drop_after_charge' });
    } else {
      send(result.status, body);
      log(result.status);
    }
    publish(emitted);
  }

  async function handleControl(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const json = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /_sandbox/health') return json(200, { ok: true });
    if (route === 'GET /_sandbox/config') return json(200, publicConfig(config));
    if (route === 'POST /_sandbox/config') {
      let patch: unknown;
      try {
        const text = await readBody(req);
        patch = text.length === 0 ? {} : JSON.parse(text);
      } catch (error) {
        return json(400, { error: { message: `Body must be JSON: ${String(error)}` } });
      }
      const parsed = ConfigPatch.safeParse(patch);
      if (!parsed.success) {
        return json(400, {
          error: {
            message: 'Invalid sandbox config',
            issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
          },
        });
      }
      configure(parsed.data);
      logger.info({ config: publicConfig(config) }, 'sandbox configured');
      return json(200, publicConfig(config));
    }
    if (route === 'POST /_sandbox/reset') {
      reset();
      logger.info({}, 'sandbox reset');
      return json(200, { ok: true });
    }
    if (route === 'GET /_sandbox/charges') {
      const filters = ['payment_intent', 'status', 'idempotency_key', 'customer'] as const;
      const data = state.charges.filter((charge) =>
        filters.every((f) => !url.searchParams.has(f) || charge[f] === url.searchParams.get(f)),
      );
      return json(200, { object: 'list', data });
    }
    if (route === 'GET /_sandbox/events') {
      return json(200, {
        object: 'list',
        data: state.events.map((e) => ({ id: e.id, type: e.type, delivered: e.delivered, deliveries: e.deliveries })),
      });
    }
    return json(404, { error: { message: `Unknown sandbox control endpoint: ${route}` } });
  }

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

function publicConfig(config: SandboxConfig) {
  const { webhook, ...rest } = config;
  return {
    ...rest,
    webhook: webhook === null ? null : { url: webhook.url, enabledEvents: webhook.enabledEvents, secretSet: true },
  };
}

function headerValue(req: http.IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

/** `Authorization: Bearer sk_…` (the SDK) or HTTP Basic with the key as user name (curl -u). */
function apiKeyOf(req: http.IncomingMessage): string | null {
  const header = headerValue(req, 'authorization');
  if (header === null) return null;
  const [scheme, credentials = ''] = header.split(' ', 2);
  let key = '';
  if (scheme.toLowerCase() === 'bearer') key = credentials.trim();
  if (scheme.toLowerCase() === 'basic') key = Buffer.from(credentials, 'base64').toString('utf8').split(':')[0];
  return /^sk_(test|live)_\w+$/.test(key) ? key : null;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
