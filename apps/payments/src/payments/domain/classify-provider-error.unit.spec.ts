import Stripe from 'stripe';
import { classifyProviderError } from './classify-provider-error';

/** Builds the error the SDK raises for a given HTTP answer, the way the SDK builds it. */
function sdkError(statusCode: number, error: Record<string, unknown>): Stripe.errors.StripeError {
  return Stripe.errors.StripeError.generate({ ...error, statusCode } as Parameters<typeof Stripe.errors.StripeError.generate>[0]);
}

const cardError = (code: string, declineCode?: string) =>
  sdkError(402, { type: 'card_error', code, decline_code: declineCode, message: 'Your card was declined.' });

describe('classifyProviderError', () => {
  it.each([
    ['card_declined', 'generic_decline'],
    ['card_declined', 'insufficient_funds'],
    ['card_declined', 'do_not_honor'],
    ['card_declined', 'try_again_later'],
    ['processing_error', 'processing_error'],
  ])('classifies a %s / %s decline as retryable', (code, declineCode) => {
    expect(classifyProviderError(cardError(code, declineCode))).toEqual({
      kind: 'declined',
      errorCode: code,
      declineCode,
      message: 'Your card was declined.',
      retryable: true,
    });
  });

  it.each([
    ['authentication_required', 'authentication_required'],
    ['card_declined', 'lost_card'],
    ['card_declined', 'stolen_card'],
    ['card_declined', 'pickup_card'],
    ['card_declined', 'fraudulent'],
    ['expired_card', 'expired_card'],
    ['incorrect_cvc', 'incorrect_cvc'],
    ['incorrect_number', 'incorrect_number'],
  ])('classifies a %s / %s decline as not retryable on the same card', (code, declineCode) => {
    expect(classifyProviderError(cardError(code, declineCode))).toMatchObject({ kind: 'declined', retryable: false });
  });

  it('classifies a card error without a decline code by its error code', () => {
    expect(classifyProviderError(cardError('expired_card'))).toMatchObject({
      kind: 'declined',
      errorCode: 'expired_card',
      declineCode: null,
      retryable: false,
    });
  });

  it('classifies a dropped connection as transient', () => {
    const error = new Stripe.errors.StripeConnectionError({ message: 'An error occurred with our connection to Stripe.' });
    expect(classifyProviderError(error)).toMatchObject({ kind: 'transient', reason: 'connection' });
  });

  it('classifies a request timeout as transient timeout', () => {
    const error = new Stripe.errors.StripeConnectionError({ message: 'Request aborted due to timeout being reached (80000ms)' });
    expect(classifyProviderError(error)).toMatchObject({ kind: 'transient', reason: 'timeout' });
  });

  it('classifies a raw socket error that never reached the SDK wrapper as transient', () => {
    const error = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyProviderError(error)).toMatchObject({ kind: 'transient', reason: 'connection' });
  });

  it.each([500, 502, 503])('classifies a %i answer as a transient provider error', (status) => {
    expect(classifyProviderError(sdkError(status, { type: 'api_error', message: 'boom' }))).toMatchObject({
      kind: 'transient',
      reason: 'provider_error',
    });
  });

  it('classifies a 429 as transient rate limiting', () => {
    expect(classifyProviderError(sdkError(429, { type: 'invalid_request_error', code: 'rate_limit', message: 'slow down' }))).toMatchObject({
      kind: 'transient',
      reason: 'rate_limited',
    });
  });

  it.each([
    ['lock_timeout', 'invalid_request_error'],
    ['idempotency_key_in_use', 'idempotency_error'],
  ])('classifies a 409 %s as a transient conflict', (code, type) => {
    expect(classifyProviderError(sdkError(409, { type, code, message: 'busy' }))).toMatchObject({
      kind: 'transient',
      reason: 'conflict',
    });
  });

  // Found by the fuzzer: an account whose payment method Stripe does not know had its invoice dead-lettered.
  it.each([
    ['payment_method', "No such PaymentMethod: 'pm_unknown'"],
    ['customer', "No such customer: 'cus_unknown'"],
  ])('classifies a %s Stripe cannot find as a decline the customer must fix, not a bug', (param, message) => {
    const error = sdkError(400, { type: 'invalid_request_error', code: 'resource_missing', param, message });
    expect(classifyProviderError(error)).toEqual({ kind: 'declined', errorCode: 'resource_missing', declineCode: null, message, retryable: false });
  });

  it('still classifies an unknown parameter of our own request as a bug', () => {
    const error = sdkError(400, { type: 'invalid_request_error', code: 'parameter_unknown', param: 'amount_cents', message: 'Received unknown parameter: amount_cents' });
    expect(classifyProviderError(error)).toMatchObject({ kind: 'bug', code: 'parameter_unknown' });
  });

  it('classifies reusing an idempotency key with other parameters as a bug', () => {
    const error = sdkError(400, { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters' });
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(classifyProviderError(error)).toEqual({
      kind: 'bug',
      code: 'idempotency_error',
      message: 'Keys for idempotent requests can only be used with the same parameters',
    });
  });

  it.each([
    [400, 'amount_too_small'],
    [400, 'parameter_unknown'],
    [404, 'resource_missing'],
  ])('classifies a %i invalid_request_error %s as a bug carrying the code', (status, code) => {
    expect(classifyProviderError(sdkError(status, { type: 'invalid_request_error', code, message: 'no' }))).toEqual({
      kind: 'bug',
      code,
      message: 'no',
    });
  });

  it('classifies a missing or wrong API key as a bug', () => {
    expect(classifyProviderError(sdkError(401, { type: 'invalid_request_error', message: 'Invalid API Key' }))).toMatchObject({
      kind: 'bug',
      code: 'authentication_error',
    });
  });

  it('classifies something that is not a provider error as a bug', () => {
    expect(classifyProviderError(new TypeError('x is undefined'))).toMatchObject({ kind: 'bug' });
    expect(classifyProviderError('boom')).toMatchObject({ kind: 'bug', code: null });
  });
});
