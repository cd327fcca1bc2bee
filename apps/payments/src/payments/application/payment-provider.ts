import { Logger } from '@billing/messaging';

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

/**
 * What one request to the provider answered: an outcome, or `rate_limited` — the provider refused
 * to look at the request (HTTP 429) and executed nothing. Not an outcome of the charge: the
 * caller slows the shared pace and sends the same request again (same idempotency key).
 */
export type ProviderCallAnswer = ProviderChargeOutcome | { readonly kind: 'rate_limited'; readonly message: string };

/**
 * Port to the payment provider. A 429 is answered as `rate_limited`, never retried here (pacing is
 * the caller's: application/call-provider-paced.ts). Implementations retry transient failures
 * (network, timeout, 5xx, 409) in ONE bounded layer with the SAME idempotency key and then throw
 * `TransientError({ retried: true })` (the consumer does not retry it in-process; the event is
 * redelivered later, never reported as a decline; `outage: true` when the provider as a whole is
 * away); a request the provider refuses as wrong (400 idempotency_error, invalid request, bad
 * key) throws `PermanentError`.
 */
export interface PaymentProvider {
  chargeOffSession(request: OffSessionCharge, logger: Logger): Promise<ProviderCallAnswer>;
}

export const PAYMENT_PROVIDER = Symbol('PAYMENT_PROVIDER');
