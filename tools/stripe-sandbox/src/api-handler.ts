import type http from 'node:http';
import { ApiError, type StripeErrorBody } from './api-error';
import type { SandboxConfig, SandboxLogger } from './config';
import { fingerprint, parseForm, type FormParams } from './form-body';
import { apiKeyOf, headerValue, readBody } from './http-io';
import * as idempotency from './idempotency-store';
import { recordRequest, type RequestStats } from './request-stats';
import { matchRoute } from './routes';
import type { AnswerEffect, EventRecord, SandboxState } from './state';
import type { ApiContext, ApiResult } from './stripe-api';

/** What answering one `/v1` request needs; the sandbox owns all of it. */
export interface ApiDeps {
  readonly state: SandboxState;
  readonly logger: SandboxLogger;
  config(): SandboxConfig;
  /** The fault draw, in [0, 1). */
  random(): number;
  /** The rate limit: true lets this request through, false answers it 429. */
  admit(): boolean;
  /** Every answer is counted here, per endpoint. */
  readonly stats: RequestStats;
  sleep(ms: number): Promise<void>;
  /** Wall clock in milliseconds. */
  nowMs(): number;
  newId(prefix: string): string;
  /** Sends the events to the configured webhook, if any. */
  publish(events: EventRecord[]): void;
}

/**
 * One Stripe API request, in Stripe's order: authenticate, route, read the parameters, the
 * rate limit (a 429 changes nothing), take the idempotency key (replay, refuse, or lock it),
 * then the injected faults, then execute and store the answer under the key.
 */
export function createApiHandler(deps: ApiDeps) {
  const { state, logger } = deps;
  const nowSeconds = () => Math.floor(deps.nowMs() / 1000);

  return async function handleApi(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    requestId: string,
  ): Promise<void> {
    const started = deps.nowMs();
    const method = req.method ?? 'GET';
    const idempotencyKey = method === 'POST' ? headerValue(req, 'idempotency-key') : null;
    const matched = matchRoute(method, url.pathname);
    // Stats group by route pattern, as Stripe's per-endpoint limits do.
    const endpoint = `${method} ${matched === undefined ? '(unrouted)' : matched.route.path}`;
    const log = (status: number | 'dropped', extra: object = {}) => {
      recordRequest(deps.stats, endpoint, status);
      logger.info(
        { requestId, method, path: url.pathname, status, idempotencyKey, durationMs: deps.nowMs() - started, ...extra },
        'request',
      );
    };
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

    if (matched === undefined) {
      sendError(404, {
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${method}: ${url.pathname}). The sandbox serves a subset of the Stripe API.`,
      });
      return;
    }

    let params: FormParams;
    try {
      const body = await readBody(req);
      params = method === 'POST' ? parseForm(body) : parseForm(url.search.slice(1));
    } catch (error) {
      sendError(400, { type: 'invalid_request_error', message: `Could not read the request body: ${String(error)}` });
      return;
    }

    if (!deps.admit()) {
      // Before the key is locked and before anything runs: a retry with the same key starts
      // afresh. No Stripe-Should-Retry header: we could not confirm that Stripe sends one.
      sendError(429, {
        type: 'invalid_request_error',
        code: 'rate_limit',
        message:
          'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.',
        doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
      });
      return;
    }

    const keyed: idempotency.KeyedRequest | null =
      idempotencyKey === null
        ? null
        : { apiKey, idempotencyKey, endpoint: `${method} ${url.pathname}`, fingerprint: fingerprint(params) };
    if (keyed !== null) {
      const decision = idempotency.begin(state.idempotency, keyed);
      if (decision.outcome === 'refused') {
        sendError(decision.status, decision.error);
        return;
      }
      if (decision.outcome === 'replay') {
        const { answer } = decision;
        await deps.sleep(deps.config().latencyMs);
        const fault = dropFault(deps.config(), answer.effect);
        if (fault !== null && deps.random() < fault.rate) {
          drop({ replayed: true, fault: fault.name });
          return;
        }
        send(answer.status, answer.body, { 'Idempotent-Replayed': 'true' });
        log(answer.status, { replayed: true });
        return;
      }
    }
    const release = () => {
      if (keyed !== null) idempotency.release(state.idempotency, keyed);
    };

    await deps.sleep(deps.config().latencyMs);
    if (deps.random() < deps.config().errorRate) {
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
      newId: deps.newId,
      idempotencyKey,
      refundFailureReason: deps.config().refundFailureReason,
      emit(type, object) {
        const eventId = deps.newId('evt');
        const payload = JSON.stringify(
          {
            id: eventId,
            object: 'event',
            api_version: apiVersion,
            created: nowSeconds(),
            data: { object },
            livemode: false,
            pending_webhooks: deps.config().webhook === null ? 0 : 1,
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
      result = matched.route.run(ctx, params, matched.id);
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
    if (keyed !== null) {
      idempotency.complete(state.idempotency, keyed, { status: result.status, body, effect: result.effect });
    }
    state.events.push(...emitted);
    const fault = dropFault(deps.config(), result.effect);
    if (fault !== null && deps.random() < fault.rate) {
      drop({ fault: fault.name });
    } else {
      send(result.status, body);
      log(result.status);
    }
    deps.publish(emitted);
  };
}

/** The connection-drop fault that applies to an answer carrying a charge or a refund (first answer and replays). */
function dropFault(config: SandboxConfig, effect: AnswerEffect): { name: string; rate: number } | null {
  if (effect === 'charge') return { name: 'drop_after_charge', rate: config.dropAfterChargeRate };
  if (effect === 'refund') return { name: 'drop_after_refund', rate: config.dropAfterRefundRate };
  return null;
}
