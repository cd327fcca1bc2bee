/**
 * What a failed Stripe call means for us, as a coded value. Reads only the fields the Stripe
 * SDK puts on its errors (`type` — the SDK class name, `rawType` — Stripe's error type,
 * `statusCode`, `code`, `decline_code`, `message`), so the domain does not import the SDK.
 *
 * - `declined`: the card was refused (HTTP 402, `card_error`). `retryable` says whether
 *   charging the same payment method again later can succeed.
 * - `transient`: we do not know or could not get an answer — connection errors and timeouts
 *   (the charge may have happened: retry with the SAME idempotency key), 5xx, 429 rate limits,
 *   409 lock_timeout / idempotency_key_in_use. Note Stripe stores a 500 under the idempotency
 *   key and replays it, so a retry may repeat it; reconcile through the PaymentIntent/webhook.
 * - `declined` too, never retryable: the instrument on file cannot be used at all — Stripe
 *   answers `invalid_request_error` naming `param` payment_method or customer (`resource_missing`:
 *   no such PaymentMethod or Customer; a method attached to another customer). That is the
 *   account's data, not our request: the customer must give a new method (a ChargeFailed the
 *   dunning case waits on), never a dead-lettered invoice that nobody would ever charge.
 * - `bug`: our request was wrong — `idempotency_error` (same key, different parameters),
 *   any other `invalid_request_error` (e.g. `amount_too_small`, `resource_missing`,
 *   `parameter_unknown`), authentication/permission errors, and anything that is not a Stripe
 *   error at all. Retrying will not help; a human must look.
 *
 * Decline codes that are NOT retryable on the same card (Visa/Mastercard "never approve" and
 * data-quality categories, and those needing the customer): authentication_required,
 * lost_card, stolen_card, pickup_card, restricted_card, fraudulent, merchant_blacklist,
 * expired_card, incorrect_number, invalid_number, incorrect_cvc, invalid_cvc,
 * invalid_expiry_month, invalid_expiry_year, card_not_supported, currency_not_supported,
 * invalid_account, new_account_information_available, revocation_of_authorization,
 * revocation_of_all_authorizations, stop_payment_order, security_violation,
 * do_not_try_again, transaction_not_allowed, not_permitted.
 * Every other decline (generic_decline, do_not_honor, insufficient_funds, processing_error,
 * try_again_later, issuer_not_available, card_velocity_exceeded, an unknown new code, …) is a
 * soft decline and retryable on the dunning schedule.
 */
export type ProviderErrorClassification =
  | {
      readonly kind: 'declined';
      readonly errorCode: string;
      readonly declineCode: string | null;
      readonly message: string;
      readonly retryable: boolean;
    }
  | { readonly kind: 'transient'; readonly reason: TransientReason; readonly message: string }
  | { readonly kind: 'bug'; readonly code: string | null; readonly message: string };

export type TransientReason = 'connection' | 'timeout' | 'rate_limited' | 'conflict' | 'provider_error';

const NOT_RETRYABLE_DECLINES: ReadonlySet<string> = new Set([
  'authentication_required',
  'lost_card',
  'stolen_card',
  'pickup_card',
  'restricted_card',
  'fraudulent',
  'merchant_blacklist',
  'expired_card',
  'incorrect_number',
  'invalid_number',
  'incorrect_cvc',
  'invalid_cvc',
  'invalid_expiry_month',
  'invalid_expiry_year',
  'card_not_supported',
  'currency_not_supported',
  'invalid_account',
  'new_account_information_available',
  'revocation_of_authorization',
  'revocation_of_all_authorizations',
  'stop_payment_order',
  'security_violation',
  'do_not_try_again',
  'transaction_not_allowed',
  'not_permitted',
]);

const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

export function isRetryableDecline(declineCode: string | null, errorCode: string): boolean {
  return !NOT_RETRYABLE_DECLINES.has(declineCode ?? errorCode) && !NOT_RETRYABLE_DECLINES.has(errorCode);
}

export function classifyProviderError(error: unknown): ProviderErrorClassification {
  if (typeof error !== 'object' || error === null) {
    return { kind: 'bug', code: null, message: `non-error thrown: ${String(error)}` };
  }
  const fields = error as Record<string, unknown>;
  // The SDK fills some absent fields with '' (StripeCardError's decline_code): treat as absent.
  const text = (name: string): string | null => {
    const value = fields[name];
    return typeof value === 'string' && value !== '' ? value : null;
  };
  const sdkType = text('type');
  const rawType = text('rawType');
  const code = text('code');
  const declineCode = text('decline_code');
  const message = text('message') ?? '';
  const param = text('param');
  const statusCode = typeof fields.statusCode === 'number' ? fields.statusCode : null;

  if (sdkType === 'StripeConnectionError' || (statusCode === null && code !== null && NETWORK_ERROR_CODES.has(code))) {
    const timedOut = code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || /timeout/i.test(message);
    return { kind: 'transient', reason: timedOut ? 'timeout' : 'connection', message };
  }
  if (statusCode === 402 || rawType === 'card_error' || sdkType === 'StripeCardError') {
    const errorCode = code ?? 'card_declined';
    return {
      kind: 'declined',
      errorCode,
      declineCode,
      message,
      retryable: isRetryableDecline(declineCode, errorCode),
    };
  }
  if (statusCode === 429 || code === 'rate_limit' || sdkType === 'StripeRateLimitError') {
    return { kind: 'transient', reason: 'rate_limited', message };
  }
  if (statusCode === 409 || code === 'lock_timeout' || code === 'idempotency_key_in_use') {
    return { kind: 'transient', reason: 'conflict', message };
  }
  if ((statusCode !== null && statusCode >= 500) || rawType === 'api_error') {
    return { kind: 'transient', reason: 'provider_error', message };
  }
  if (sdkType === 'StripeAPIError' && statusCode === null) {
    // The SDK could not read Stripe's answer (e.g. invalid JSON from a proxy): outcome unknown.
    return { kind: 'transient', reason: 'provider_error', message };
  }
  if (
    (rawType === 'invalid_request_error' || statusCode === 400 || statusCode === 404) &&
    (param === 'payment_method' || param === 'customer')
  ) {
    return { kind: 'declined', errorCode: code ?? 'invalid_payment_method', declineCode: null, message, retryable: false };
  }
  if (rawType === 'idempotency_error' || sdkType === 'StripeIdempotencyError') {
    return { kind: 'bug', code: 'idempotency_error', message };
  }
  if (statusCode === 401 || sdkType === 'StripeAuthenticationError') {
    return { kind: 'bug', code: 'authentication_error', message };
  }
  if (statusCode === 403 || sdkType === 'StripePermissionError') {
    return { kind: 'bug', code: 'permission_error', message };
  }
  if (rawType === 'invalid_request_error' || statusCode === 400 || statusCode === 404) {
    return { kind: 'bug', code: code ?? 'invalid_request_error', message };
  }
  return { kind: 'bug', code, message: message || 'unrecognised provider error' };
}
