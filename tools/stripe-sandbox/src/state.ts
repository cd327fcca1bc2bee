/**
 * The sandbox's in-memory world. Objects are kept in Stripe's JSON shape so handlers can
 * answer with them directly; `charges` doubles as the ledger tests count charges from.
 */
export type Metadata = Record<string, string>;

export interface CustomerObject {
  id: string;
  object: 'customer';
  created: number;
  email: string | null;
  name: string | null;
  description: string | null;
  metadata: Metadata;
  invoice_settings: { default_payment_method: string | null };
  livemode: false;
}

export interface PaymentMethodObject {
  id: string;
  object: 'payment_method';
  type: 'card';
  created: number;
  customer: string | null;
  card: { brand: string; last4: string; exp_month: number; exp_year: number; funding: 'credit'; country: 'US' };
  metadata: Metadata;
  livemode: false;
}

export interface PaymentErrorObject {
  type: 'card_error';
  code: string;
  decline_code: string;
  message: string;
  param?: string;
  charge?: string;
  doc_url: string;
  payment_method: PaymentMethodObject;
}

export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'succeeded'
  | 'canceled';

export interface PaymentIntentObject {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  customer: string | null;
  payment_method: string | null;
  payment_method_types: string[];
  status: PaymentIntentStatus;
  capture_method: 'automatic';
  confirmation_method: 'automatic';
  client_secret: string;
  created: number;
  description: string | null;
  last_payment_error: PaymentErrorObject | null;
  latest_charge: string | null;
  metadata: Metadata;
  next_action: { type: 'use_stripe_sdk'; use_stripe_sdk: { type: 'three_d_secure_redirect' } } | null;
  livemode: false;
}

/** One charge the sandbox made, successful or failed: the ledger row tests count. */
export interface ChargeRecord {
  id: string;
  object: 'charge';
  payment_intent: string;
  amount: number;
  amount_refunded: number;
  refunded: boolean;
  currency: string;
  customer: string | null;
  payment_method: string;
  status: 'succeeded' | 'failed';
  failure_code: string | null;
  decline_code: string | null;
  metadata: Metadata;
  idempotency_key: string | null;
  created: number;
}

export interface RefundObject {
  id: string;
  object: 'refund';
  amount: number;
  charge: string;
  currency: string;
  payment_intent: string;
  reason: string | null;
  /** `failed` only while the `refundFailureReason` fault is set (nothing was refunded). */
  status: 'succeeded' | 'failed';
  /** Stripe's Refund.failure_reason (e.g. `declined`, `expired_or_canceled_card`); null unless failed. */
  failure_reason: string | null;
  metadata: Metadata;
  created: number;
}

/** A refund the sandbox made (succeeded or failed) and the key it was made with: the ledger tests count. */
export interface RefundRecord extends RefundObject {
  idempotency_key: string | null;
}

/** What an answer carries: the money-moving faults (drop after charge / refund) apply to it and its replays. */
export type AnswerEffect = 'charge' | 'refund' | null;

export interface WebhookDelivery {
  attempt: number;
  at: number;
  status: number | null;
  error: string | null;
}

export interface EventRecord {
  id: string;
  type: string;
  payload: string;
  deliveries: WebhookDelivery[];
  delivered: boolean;
}

export interface IdempotencyRecord {
  endpoint: string;
  fingerprint: string;
  state: 'in_flight' | 'done';
  status: number;
  body: string;
  /** What the answer carries: the drop-after-charge / drop-after-refund fault applies to its replays too. */
  effect: AnswerEffect;
}

export interface SandboxState {
  customers: Map<string, CustomerObject>;
  paymentMethods: Map<string, PaymentMethodObject & { testCard: string }>;
  paymentIntents: Map<string, PaymentIntentObject>;
  charges: ChargeRecord[];
  refunds: Map<string, RefundRecord>;
  events: EventRecord[];
  idempotency: Map<string, IdempotencyRecord>;
}

export function emptyState(): SandboxState {
  return {
    customers: new Map(),
    paymentMethods: new Map(),
    paymentIntents: new Map(),
    charges: [],
    refunds: new Map(),
    events: [],
    idempotency: new Map(),
  };
}

export function clearState(state: SandboxState): void {
  state.customers.clear();
  state.paymentMethods.clear();
  state.paymentIntents.clear();
  state.charges.length = 0;
  state.refunds.clear();
  state.events.length = 0;
  state.idempotency.clear();
}
