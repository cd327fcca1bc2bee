import type { StripeErrorBody } from './api-error';
import type { AnswerEffect, IdempotencyRecord } from './state';

/**
 * Stripe's Idempotency-Key rules, over a plain Map and nothing else (no clock, no I/O):
 * keys are scoped per API key; the same key on the same endpoint with the same parameters
 * replays the stored answer; a key whose first request still runs is 409
 * `idempotency_key_in_use`; another endpoint or other parameters is 400 `idempotency_error`.
 * Only answers an endpoint produced after it started executing are stored: a request refused
 * before that releases its key, so a corrected retry with the same key goes through.
 */
export type IdempotencyRecords = Map<string, IdempotencyRecord>;

/** One keyed request: `endpoint` is the method and the concrete path, `fingerprint` its parameters. */
export interface KeyedRequest {
  apiKey: string;
  idempotencyKey: string;
  endpoint: string;
  fingerprint: string;
}

export interface StoredAnswer {
  status: number;
  body: string;
  /** What the answer carries: the drop-after-charge / drop-after-refund fault applies to its replays too. */
  effect: AnswerEffect;
}

export type IdempotencyDecision =
  | { outcome: 'new' }
  | { outcome: 'replay'; answer: StoredAnswer }
  | { outcome: 'refused'; status: 400 | 409; error: StripeErrorBody };

/** What a request with this key meets, without changing anything. */
export function lookup(records: IdempotencyRecords, request: KeyedRequest): IdempotencyDecision {
  const existing = records.get(scopedKey(request));
  if (existing === undefined) return { outcome: 'new' };
  const key = request.idempotencyKey;
  if (existing.state === 'in_flight') {
    return {
      outcome: 'refused',
      status: 409,
      error: {
        type: 'idempotency_error',
        code: 'idempotency_key_in_use',
        message: `There is currently another in-progress request using this idempotency key (${key}). Try again later.`,
      },
    };
  }
  const otherRequest = `Try using a key other than '${key}' if you meant to execute a different request.`;
  if (existing.endpoint !== request.endpoint) {
    return mismatch(
      `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${existing.endpoint}' vs '${request.endpoint}'). ${otherRequest}`,
    );
  }
  if (existing.fingerprint !== request.fingerprint) {
    return mismatch(
      `Keys for idempotent requests can only be used with the same parameters they were first used with. ${otherRequest}`,
    );
  }
  return { outcome: 'replay', answer: { status: existing.status, body: existing.body, effect: existing.effect } };
}

/** `lookup`, and when the key is new, lock it as in flight until `complete` or `release`. */
export function begin(records: IdempotencyRecords, request: KeyedRequest): IdempotencyDecision {
  const decision = lookup(records, request);
  if (decision.outcome === 'new') {
    records.set(scopedKey(request), {
      endpoint: request.endpoint,
      fingerprint: request.fingerprint,
      state: 'in_flight',
      status: 0,
      body: '',
      effect: null,
    });
  }
  return decision;
}

/** Store the answer the endpoint produced; later requests with the key replay it. */
export function complete(records: IdempotencyRecords, request: KeyedRequest, answer: StoredAnswer): void {
  records.set(scopedKey(request), { endpoint: request.endpoint, fingerprint: request.fingerprint, state: 'done', ...answer });
}

/** Forget the key: the request was refused before executing. */
export function release(records: IdempotencyRecords, request: KeyedRequest): void {
  records.delete(scopedKey(request));
}

function mismatch(message: string): IdempotencyDecision {
  return { outcome: 'refused', status: 400, error: { type: 'idempotency_error', message } };
}

function scopedKey(request: KeyedRequest): string {
  return `${request.apiKey}\u0000${request.idempotencyKey}`;
}
