import type { ChargeRecord, PaymentIntentObject, PaymentMethodObject } from './state';

/** Stripe's error object: `{ "error": { type, code, decline_code, message, param, … } }`. */
export interface StripeErrorBody {
  type: 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  charge?: ChargeRecord['id'];
  payment_intent?: PaymentIntentObject;
  payment_method?: PaymentMethodObject;
  doc_url?: string;
}

/**
 * A refusal raised before the endpoint did anything (bad parameters, unknown object). Stripe
 * does not store these under an idempotency key, so a corrected retry with the same key works.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }
}

export function invalidRequest(message: string, param?: string, code?: string): ApiError {
  return new ApiError(400, {
    type: 'invalid_request_error',
    message,
    ...(param === undefined ? {} : { param }),
    ...(code === undefined ? {} : { code, doc_url: `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}` }),
  });
}

/** `No such customer: 'cus_x'` — 404 when the object is the URL, 400 when it is a parameter. */
export function resourceMissing(label: string, id: string, param: string, status: 400 | 404): ApiError {
  return new ApiError(status, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${label}: '${id}'`,
    param,
    doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
  });
}
