import { Logger } from '@billing/messaging';
import { ProviderSlot } from './provider-pace';

/** One off-session charge of a saved payment method, keyed so that a repeat cannot charge twice. */
export interface OffSessionCharge {
  readonly idempotencyKey: string;
  /** In the provider's unit for the currency (see domain/provider-amount.ts). */
  readonly amount: number;
  /** Lower-case ISO code, as the provider expects it. */
  readonly currency: string;
  readonly customerId: string | null;
  readonly paymentMethodId: string;
  readonly metadata: { readonly invoice_id: string; readonly account_id: string; readonly attempt: string };
}

/**
 * The answer of the provider, as a coded value. Declines are outcomes, not exceptions.
 * `unresolved`: the provider accepted the request but the payment is not final yet (e.g.
 * `processing`): the attempt stays pending and the webhook gives it its outcome.
 */
export type ProviderChargeOutcome =
  | { readonly kind: 'succeeded'; readonly paymentIntentId: string; readonly chargeId: string | null }
  | {
      readonly kind: 'declined';
      readonly paymentIntentId: string | null;
      readonly chargeId: string | null;
      readonly errorCode: string;
      readonly declineCode: string | null;
      readonly message: string;
      readonly retryable: boolean;
    }
  | { readonly kind: 'unresolved'; readonly paymentIntentId: string; readonly providerStatus: string };

/** A refund of part or all of a succeeded charge (named by its PaymentIntent), keyed per credit note. */
export interface RefundRequest {
  readonly idempotencyKey: string;
  readonly paymentIntentId: string;
  /** In the provider's unit for the currency, like a charge's amount. */
  readonly amount: number;
  readonly currency: string;
  readonly metadata: { readonly credit_note_id: string; readonly invoice_id: string; readonly account_id: string };
}

/**
 * The provider's answer about a refund, as a coded value. `failed`: a final answer (the provider
 * declined the refund, or refused it because the charge cannot be refunded any more), reported
 * as RefundFailed and never retried. `unresolved`: accepted but not final yet (`pending`): the
 * refund stays pending and the same key goes out again later.
 */
export type ProviderRefundOutcome =
  | { readonly kind: 'succeeded'; readonly refundId: string; readonly paymentIntentId: string }
  | { readonly kind: 'failed'; readonly refundId: string | null; readonly errorCode: string; readonly message: string }
  | { readonly kind: 'unresolved'; readonly refundId: string; readonly providerStatus: string };

/** The provider refused to look at a request (HTTP 429) and executed nothing; see ProviderCallAnswer. */
export interface RateLimited {
  readonly kind: 'rate_limited';
  readonly message: string;
}

/**
 * What one request to the provider answered: an outcome, or `rate_limited` — the provider refused
 * to look at the request (HTTP 429) and executed nothing. Not an outcome of the charge: the
 * caller slows the shared pace and sends the same request again (same idempotency key).
 */
export type ProviderCallAnswer = ProviderChargeOutcome | RateLimited | SlotMissed;

/**
 * The request was not sent: its slot of the shared pace had passed before it could go out (the
 * sending thread stalled). Nothing reached the provider; the caller takes a new slot.
 */
export interface SlotMissed {
  readonly kind: 'slot_missed';
}

export const SLOT_MISSED: SlotMissed = { kind: 'slot_missed' };

/**
 * Port to the payment provider. A 429 is answered as `rate_limited`, never retried here (pacing is
 * the caller's: application/call-provider-paced.ts). Implementations retry transient failures
 * (network, timeout, 5xx, 409) in ONE bounded layer with the SAME idempotency key and then throw
 * `TransientError({ retried: true })` (the consumer does not retry it in-process; the event is
 * redelivered later, never reported as a decline; `outage: true` when the provider as a whole is
 * away); a request the provider refuses as wrong (400 idempotency_error, invalid request, bad
 * key) throws `PermanentError`. A paced call carries its `slot` (the shared pace's grant): the
 * request goes out at that moment, or is answered `slot_missed` unsent when the moment passed.
 */
export interface PaymentProvider {
  chargeOffSession(request: OffSessionCharge, logger: Logger, slot?: ProviderSlot | null): Promise<ProviderCallAnswer>;
  /** Same rules as a charge: 429 → `rate_limited`, transient → TransientError, a bug → PermanentError. */
  refund(request: RefundRequest, logger: Logger, slot?: ProviderSlot | null): Promise<ProviderRefundOutcome | RateLimited | SlotMissed>;
}

export const PAYMENT_PROVIDER = Symbol('PAYMENT_PROVIDER');
