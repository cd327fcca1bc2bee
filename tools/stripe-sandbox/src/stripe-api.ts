import { ApiError, invalidRequest, resourceMissing, type StripeErrorBody } from './api-error';
import type { FormParams } from './form-body';
import {
  metadataParam,
  optionalBoolean,
  optionalInteger,
  optionalString,
  rejectUnknownParams,
  requiredString,
} from './params';
import type {
  AnswerEffect,
  ChargeRecord,
  CustomerObject,
  PaymentIntentObject,
  PaymentMethodObject,
  RefundObject,
  RefundRecord,
  SandboxState,
} from './state';
import {
  MAXIMUM_AMOUNT,
  SUPPORTED_CURRENCIES,
  THREE_DECIMAL,
  TWO_DECIMAL_AT_API_WHOLE_UNITS,
  minimumChargeAmount,
} from './stripe-currencies';
import { AUTHENTICATION_REQUIRED, TEST_CARDS, type TestCard } from './test-cards';

/** What one API call needs from the world around it; handlers hold no other state. */
export interface ApiContext {
  readonly state: SandboxState;
  /** Unix seconds. */
  now(): number;
  newId(prefix: string): string;
  readonly idempotencyKey: string | null;
  /** The `refundFailureReason` fault: while set, every new refund fails with this reason. */
  readonly refundFailureReason: string | null;
  emit(type: string, object: object): void;
}

/**
 * An answer the endpoint produced after it started executing. These are stored under the
 * idempotency key (including 402 declines); refusals before execution are thrown as ApiError.
 */
export interface ApiResult {
  status: number;
  body: unknown;
  /** A charge (or a refund) was made or attempted while producing this answer. */
  effect: AnswerEffect;
}

const ok = (body: unknown): ApiResult => ({ status: 200, body, effect: null });

// ---------------------------------------------------------------- customers

export function createCustomer(ctx: ApiContext, params: FormParams): ApiResult {
  rejectUnknownParams(params, ['email', 'name', 'description', 'metadata', 'payment_method', 'invoice_settings']);
  const customer: CustomerObject = {
    id: ctx.newId('cus'),
    object: 'customer',
    created: ctx.now(),
    email: optionalString(params, 'email') ?? null,
    name: optionalString(params, 'name') ?? null,
    description: optionalString(params, 'description') ?? null,
    metadata: metadataParam(params),
    invoice_settings: { default_payment_method: null },
    livemode: false,
  };
  const paymentMethod = optionalString(params, 'payment_method');
  const settings = params.invoice_settings;
  const defaultPaymentMethod =
    typeof settings === 'object' && !Array.isArray(settings) && typeof settings.default_payment_method === 'string'
      ? settings.default_payment_method
      : undefined;
  ctx.state.customers.set(customer.id, customer);
  if (paymentMethod !== undefined) {
    const attached = attachTo(ctx, paymentMethod, customer.id, 'payment_method');
    if (attached instanceof ApiError) {
      ctx.state.customers.delete(customer.id);
      throw attached;
    }
  }
  if (defaultPaymentMethod !== undefined) {
    customer.invoice_settings.default_payment_method = defaultPaymentMethod;
  }
  return ok(customer);
}

export function retrieveCustomer(ctx: ApiContext, id: string): ApiResult {
  const customer = ctx.state.customers.get(id);
  if (customer === undefined) throw resourceMissing('customer', id, 'id', 404);
  return ok(customer);
}

// ---------------------------------------------------------------- payment methods

export function attachPaymentMethod(ctx: ApiContext, id: string, params: FormParams): ApiResult {
  rejectUnknownParams(params, ['customer']);
  const customerId = requiredString(params, 'customer');
  if (!ctx.state.customers.has(customerId)) throw resourceMissing('customer', customerId, 'customer', 400);
  const attached = attachTo(ctx, id, customerId, 'payment_method');
  if (attached instanceof ApiError) {
    // Stripe verifies the card on attach: a decline here is a 402 answer, not a refusal.
    return { status: attached.status, body: { error: attached.body }, effect: null };
  }
  return ok(publicPaymentMethod(attached));
}

export function retrievePaymentMethod(ctx: ApiContext, id: string): ApiResult {
  const stored = ctx.state.paymentMethods.get(id);
  if (stored !== undefined) return ok(publicPaymentMethod(stored));
  const card = TEST_CARDS[id];
  if (card === undefined) throw resourceMissing('PaymentMethod', id, 'id', 404);
  return ok(testCardObject(id, card, null, 0));
}

/** Attaching a test card creates a new `pm_…` owned by the customer, as on Stripe. */
function attachTo(
  ctx: ApiContext,
  id: string,
  customerId: string,
  param: string,
): (PaymentMethodObject & { testCard: string }) | ApiError {
  const existing = ctx.state.paymentMethods.get(id);
  if (existing !== undefined) {
    if (existing.customer !== null && existing.customer !== customerId) {
      return invalidRequest('The payment method you provided has already been attached to a customer.', param);
    }
    existing.customer = customerId;
    return existing;
  }
  const card = TEST_CARDS[id];
  if (card === undefined) return resourceMissing('PaymentMethod', id, param, 400);
  if (!card.attachable && card.outcome.kind === 'declined') {
    return new ApiError(402, {
      type: 'card_error',
      code: card.outcome.code,
      decline_code: card.outcome.declineCode,
      message: card.outcome.message,
      ...(card.outcome.param === undefined ? {} : { param: card.outcome.param }),
      doc_url: `https://stripe.com/docs/error-codes/${card.outcome.code.replace(/_/g, '-')}`,
    });
  }
  const created = { ...testCardObject(ctx.newId('pm'), card, customerId, ctx.now()), testCard: id };
  ctx.state.paymentMethods.set(created.id, created);
  return created;
}

function testCardObject(id: string, card: TestCard, customer: string | null, created: number): PaymentMethodObject {
  return {
    id,
    object: 'payment_method',
    type: 'card',
    created,
    customer,
    card: { brand: card.brand, last4: card.last4, exp_month: 12, exp_year: 2034, funding: 'credit', country: 'US' },
    metadata: {},
    livemode: false,
  };
}

function publicPaymentMethod(stored: PaymentMethodObject & { testCard: string }): PaymentMethodObject {
  const { testCard: _testCard, ...object } = stored;
  return object;
}

interface ResolvedPaymentMethod {
  object: PaymentMethodObject;
  card: TestCard;
}

function resolvePaymentMethod(ctx: ApiContext, id: string, customerId: string | null): ResolvedPaymentMethod {
  const stored = ctx.state.paymentMethods.get(id);
  if (stored !== undefined) {
    if (stored.customer !== null && stored.customer !== customerId) {
      throw invalidRequest(
        `The provided PaymentMethod belongs to a different Customer (or none was given); pass customer=${stored.customer}.`,
        'payment_method',
      );
    }
    return { object: publicPaymentMethod(stored), card: TEST_CARDS[stored.testCard] };
  }
  const card = TEST_CARDS[id];
  if (card === undefined) throw resourceMissing('PaymentMethod', id, 'payment_method', 400);
  return { object: testCardObject(id, card, null, 0), card };
}

// ---------------------------------------------------------------- amounts

export function validateAmount(amount: number | undefined, currency: string): number {
  if (amount === undefined) throw invalidRequest('Missing required param: amount.', 'amount', 'parameter_missing');
  if (amount < 1) throw invalidRequest('This value must be greater than or equal to 1.', 'amount', 'parameter_invalid_integer');
  if (amount > MAXIMUM_AMOUNT) {
    throw invalidRequest(`Amount must be no more than ${MAXIMUM_AMOUNT}.`, 'amount', 'amount_too_large');
  }
  if (THREE_DECIMAL.has(currency) && amount % 10 !== 0) {
    throw invalidRequest(
      `Invalid amount for ${currency}: three-decimal currencies require the last digit to be 0 (round to the nearest ten).`,
      'amount',
    );
  }
  if (TWO_DECIMAL_AT_API_WHOLE_UNITS.has(currency) && amount % 100 !== 0) {
    throw invalidRequest(
      `Invalid amount for ${currency}: amounts are sent with two decimals and must be a multiple of 100.`,
      'amount',
    );
  }
  const minimum = minimumChargeAmount(currency);
  if (amount < minimum) {
    throw invalidRequest(
      `Amount must be at least ${minimum} ${currency} (in API units).`,
      'amount',
      'amount_too_small',
    );
  }
  return amount;
}

function validateCurrency(currency: string): string {
  if (!SUPPORTED_CURRENCIES.has(currency)) {
    throw invalidRequest(
      `Invalid currency: ${currency}. Stripe currently supports these currencies (lowercase ISO codes): ${[...SUPPORTED_CURRENCIES].join(', ')}`,
      'currency',
    );
  }
  return currency;
}

// ---------------------------------------------------------------- payment intents

const PAYMENT_INTENT_PARAMS = [
  'amount', 'currency', 'customer', 'payment_method', 'payment_method_types', 'confirm', 'off_session',
  'metadata', 'description', 'receipt_email', 'statement_descriptor', 'statement_descriptor_suffix',
  'capture_method', 'confirmation_method', 'setup_future_usage', 'error_on_requires_action',
  'automatic_payment_methods', 'return_url',
] as const;

export function createPaymentIntent(ctx: ApiContext, params: FormParams): ApiResult {
  rejectUnknownParams(params, PAYMENT_INTENT_PARAMS);
  const currency = validateCurrency(requiredString(params, 'currency'));
  const amount = validateAmount(optionalInteger(params, 'amount'), currency);
  const customerId = optionalString(params, 'customer') ?? null;
  if (customerId !== null && !ctx.state.customers.has(customerId)) {
    throw resourceMissing('customer', customerId, 'customer', 400);
  }
  const captureMethod = optionalString(params, 'capture_method');
  if (captureMethod !== undefined && captureMethod !== 'automatic' && captureMethod !== 'automatic_async') {
    throw invalidRequest('The sandbox only supports automatic capture.', 'capture_method');
  }
  const confirm = optionalBoolean(params, 'confirm');
  const offSession = optionalBoolean(params, 'off_session');
  if (offSession && !confirm) {
    throw invalidRequest('off_session can only be used when confirm=true.', 'off_session');
  }
  const paymentMethodId = optionalString(params, 'payment_method') ?? null;
  const resolved = paymentMethodId === null ? null : resolvePaymentMethod(ctx, paymentMethodId, customerId);
  if (confirm && resolved === null) {
    throw invalidRequest(
      'You cannot confirm this PaymentIntent because it is missing a payment method.',
      'payment_method',
      'payment_intent_unexpected_state',
    );
  }
  const id = ctx.newId('pi');
  const intent: PaymentIntentObject = {
    id,
    object: 'payment_intent',
    amount,
    amount_received: 0,
    currency,
    customer: customerId,
    payment_method: paymentMethodId,
    payment_method_types: ['card'],
    status: paymentMethodId === null ? 'requires_payment_method' : 'requires_confirmation',
    capture_method: 'automatic',
    confirmation_method: 'automatic',
    client_secret: `${id}_secret_${ctx.newId('cs').slice(3)}`,
    created: ctx.now(),
    description: optionalString(params, 'description') ?? null,
    last_payment_error: null,
    latest_charge: null,
    metadata: metadataParam(params),
    next_action: null,
    livemode: false,
  };
  ctx.state.paymentIntents.set(id, intent);
  ctx.emit('payment_intent.created', intent);
  if (!confirm || resolved === null) return ok(intent);
  return confirmIntent(ctx, intent, resolved, offSession);
}

export function retrievePaymentIntent(ctx: ApiContext, id: string): ApiResult {
  const intent = ctx.state.paymentIntents.get(id);
  if (intent === undefined) throw resourceMissing('payment_intent', id, 'intent', 404);
  return ok(intent);
}

export function confirmPaymentIntent(ctx: ApiContext, id: string, params: FormParams): ApiResult {
  rejectUnknownParams(params, ['payment_method', 'off_session', 'return_url', 'error_on_requires_action', 'mandate_data']);
  const intent = ctx.state.paymentIntents.get(id);
  if (intent === undefined) throw resourceMissing('payment_intent', id, 'intent', 404);
  if (intent.status !== 'requires_payment_method' && intent.status !== 'requires_confirmation') {
    throw new ApiError(400, {
      type: 'invalid_request_error',
      code: 'payment_intent_unexpected_state',
      message: `This PaymentIntent's status is ${intent.status}, but it must be requires_payment_method or requires_confirmation to be confirmed.`,
      payment_intent: intent,
      doc_url: 'https://stripe.com/docs/error-codes/payment-intent-unexpected-state',
    });
  }
  const paymentMethodId = optionalString(params, 'payment_method') ?? intent.payment_method;
  if (paymentMethodId === null) {
    throw invalidRequest(
      'You cannot confirm this PaymentIntent because it is missing a payment method.',
      'payment_method',
      'payment_intent_unexpected_state',
    );
  }
  const resolved = resolvePaymentMethod(ctx, paymentMethodId, intent.customer);
  intent.payment_method = paymentMethodId;
  return confirmIntent(ctx, intent, resolved, optionalBoolean(params, 'off_session'));
}

function confirmIntent(
  ctx: ApiContext,
  intent: PaymentIntentObject,
  paymentMethod: ResolvedPaymentMethod,
  offSession: boolean,
): ApiResult {
  const outcome = paymentMethod.card.outcome;
  if (outcome.kind === 'requires_authentication' && !offSession) {
    // On session the customer can still authenticate: no charge yet, the intent waits.
    intent.status = 'requires_action';
    intent.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } };
    ctx.emit('payment_intent.requires_action', intent);
    return ok(intent);
  }
  const failure =
    outcome.kind === 'declined'
      ? { code: outcome.code, declineCode: outcome.declineCode, message: outcome.message, param: outcome.param }
      : outcome.kind === 'requires_authentication'
        ? { ...AUTHENTICATION_REQUIRED, param: undefined }
        : null;
  const charge: ChargeRecord = {
    id: ctx.newId('ch'),
    object: 'charge',
    payment_intent: intent.id,
    amount: intent.amount,
    amount_refunded: 0,
    refunded: false,
    currency: intent.currency,
    customer: intent.customer,
    payment_method: paymentMethod.object.id,
    status: failure === null ? 'succeeded' : 'failed',
    failure_code: failure?.code ?? null,
    decline_code: failure?.declineCode ?? null,
    metadata: { ...intent.metadata },
    idempotency_key: ctx.idempotencyKey,
    created: ctx.now(),
  };
  ctx.state.charges.push(charge);
  intent.latest_charge = charge.id;
  intent.next_action = null;

  if (failure === null) {
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    intent.last_payment_error = null;
    ctx.emit('payment_intent.succeeded', intent);
    return { status: 200, body: intent, effect: 'charge' };
  }

  intent.status = 'requires_payment_method';
  intent.last_payment_error = {
    type: 'card_error',
    code: failure.code,
    decline_code: failure.declineCode,
    message: failure.message,
    ...(failure.param === undefined ? {} : { param: failure.param }),
    charge: charge.id,
    doc_url: `https://stripe.com/docs/error-codes/${failure.code.replace(/_/g, '-')}`,
    payment_method: paymentMethod.object,
  };
  ctx.emit('payment_intent.payment_failed', intent);
  const error: StripeErrorBody = {
    type: 'card_error',
    code: failure.code,
    decline_code: failure.declineCode,
    message: failure.message,
    ...(failure.param === undefined ? {} : { param: failure.param }),
    charge: charge.id,
    payment_intent: intent,
    payment_method: paymentMethod.object,
    doc_url: intent.last_payment_error.doc_url,
  };
  return { status: 402, body: { error }, effect: 'charge' };
}

// ---------------------------------------------------------------- refunds

const REFUND_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'];

/**
 * `POST /v1/refunds`: refunds `amount` (default: what is left) of a succeeded charge, named by
 * its PaymentIntent or the charge itself. Refused before anything happens (400, not stored under
 * the key): nothing left to refund (`charge_already_refunded`), more than is left
 * (`amount_too_large`), an amount the currency cannot take (three-decimal not ending in 0).
 * With the `refundFailureReason` fault set the refund is made but fails: `status: failed` and
 * that `failure_reason`, nothing refunded (Stripe reports such a failure later through
 * `charge.refund.updated`; the sandbox answers it at once so tests need no webhook).
 */
export function createRefund(ctx: ApiContext, params: FormParams): ApiResult {
  rejectUnknownParams(params, ['payment_intent', 'charge', 'amount', 'reason', 'metadata']);
  const charge = refundedCharge(ctx, optionalString(params, 'payment_intent'), optionalString(params, 'charge'));
  const refundable = charge.amount - charge.amount_refunded;
  if (refundable === 0) {
    throw invalidRequest(`Charge ${charge.id} has already been refunded.`, 'charge', 'charge_already_refunded');
  }
  const amount = optionalInteger(params, 'amount') ?? refundable;
  if (amount < 1) throw invalidRequest('This value must be greater than or equal to 1.', 'amount', 'parameter_invalid_integer');
  if (amount > refundable) {
    throw invalidRequest(
      `Refund amount (${amount}) is greater than unrefunded amount on charge (${refundable})`,
      'amount',
      'amount_too_large',
    );
  }
  if (THREE_DECIMAL.has(charge.currency) && amount % 10 !== 0) {
    throw invalidRequest(
      `Invalid amount for ${charge.currency}: three-decimal currencies require the last digit to be 0 (round to the nearest ten).`,
      'amount',
    );
  }
  const reason = optionalString(params, 'reason') ?? null;
  if (reason !== null && !REFUND_REASONS.includes(reason)) throw invalidRequest(`Invalid reason: ${reason}`, 'reason');
  const failureReason = ctx.refundFailureReason;
  if (failureReason === null) {
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
  }
  const refund: RefundRecord = {
    id: ctx.newId('re'),
    object: 'refund',
    amount,
    charge: charge.id,
    currency: charge.currency,
    payment_intent: charge.payment_intent,
    reason,
    status: failureReason === null ? 'succeeded' : 'failed',
    failure_reason: failureReason,
    metadata: metadataParam(params),
    created: ctx.now(),
    idempotency_key: ctx.idempotencyKey,
  };
  ctx.state.refunds.set(refund.id, refund);
  ctx.emit(failureReason === null ? 'charge.refunded' : 'charge.refund.updated', failureReason === null ? charge : publicRefund(refund));
  return { status: 200, body: publicRefund(refund), effect: 'refund' };
}

export function retrieveRefund(ctx: ApiContext, id: string): ApiResult {
  const refund = ctx.state.refunds.get(id);
  if (refund === undefined) throw resourceMissing('refund', id, 'id', 404);
  return ok(publicRefund(refund));
}

/** The succeeded charge a refund request names (by PaymentIntent or by charge id). */
function refundedCharge(ctx: ApiContext, intentId: string | undefined, chargeId: string | undefined): ChargeRecord {
  if (intentId !== undefined) {
    const intent = ctx.state.paymentIntents.get(intentId);
    if (intent === undefined) throw resourceMissing('payment_intent', intentId, 'payment_intent', 400);
    const charge = ctx.state.charges.find((c) => c.id === intent.latest_charge && c.status === 'succeeded');
    if (charge === undefined) {
      throw invalidRequest(`This PaymentIntent (${intentId}) does not have a successful charge to refund.`, 'payment_intent');
    }
    return charge;
  }
  if (chargeId !== undefined) {
    const charge = ctx.state.charges.find((c) => c.id === chargeId);
    if (charge === undefined) throw resourceMissing('charge', chargeId, 'charge', 400);
    if (charge.status !== 'succeeded') throw invalidRequest(`Charge ${chargeId} has not succeeded.`, 'charge');
    return charge;
  }
  throw invalidRequest(
    'One of the following params should be provided for this request: payment_intent or charge.',
    'payment_intent',
    'parameter_missing',
  );
}

function publicRefund(record: RefundRecord): RefundObject {
  const { idempotency_key: _key, ...refund } = record;
  return refund;
}
