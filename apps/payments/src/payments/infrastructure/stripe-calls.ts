import type Stripe from 'stripe';
import { SLOT_MISSED, SlotMissed } from '../application/payment-provider';
import { ProviderSlot, ReleaseStats } from '../application/provider-pace';
import { SlotRelease } from './slot-release';

/** What payments reads of a created PaymentIntent. */
export interface CreatedPaymentIntent {
  readonly id: string;
  readonly status: Stripe.PaymentIntent.Status;
  readonly latestChargeId: string | null;
}

/** What payments reads of a created Refund. */
export interface CreatedRefund {
  readonly id: string;
  readonly status: string | null;
  readonly failureReason: string | null;
}

/**
 * The two Stripe requests payments sends, each at its slot (when paced). They answer what Stripe
 * created (or `slot_missed`, unsent, when the slot passed before it could go out), or throw what the SDK threw — or, from the provider thread, an error carrying the same
 * fields (domain/classify-provider-error.ts reads only those): the meaning of an answer is
 * StripePaymentProvider's, in the consumer's thread.
 */
export interface StripeCalls {
  createPaymentIntent(params: Stripe.PaymentIntentCreateParams, idempotencyKey: string, slot: ProviderSlot | null): Promise<CreatedPaymentIntent | SlotMissed>;
  createRefund(params: Stripe.RefundCreateParams, idempotencyKey: string, slot: ProviderSlot | null): Promise<CreatedRefund | SlotMissed>;
  /** How the paced calls went out on time where they are sent. */
  releaseStats(): Promise<ReleaseStats>;
}

/** Nest token of the StripeCalls the provider sends through. */
export const STRIPE_CALLS = Symbol('STRIPE_CALLS');

/** The requests through the SDK on this thread, each let out at its slot. */
export class InProcessStripeCalls implements StripeCalls {
  constructor(
    private readonly stripe: Stripe,
    private readonly release = new SlotRelease(),
  ) {}

  async createPaymentIntent(params: Stripe.PaymentIntentCreateParams, idempotencyKey: string, slot: ProviderSlot | null): Promise<CreatedPaymentIntent | SlotMissed> {
    if (slot !== null && !(await this.release.wait(slot))) return SLOT_MISSED;
    const intent = await this.stripe.paymentIntents.create(params, { idempotencyKey });
    const latest = intent.latest_charge;
    return { id: intent.id, status: intent.status, latestChargeId: latest === null ? null : typeof latest === 'string' ? latest : latest.id };
  }

  async createRefund(params: Stripe.RefundCreateParams, idempotencyKey: string, slot: ProviderSlot | null): Promise<CreatedRefund | SlotMissed> {
    if (slot !== null && !(await this.release.wait(slot))) return SLOT_MISSED;
    const refund = await this.stripe.refunds.create(params, { idempotencyKey });
    return { id: refund.id, status: refund.status ?? null, failureReason: refund.failure_reason ?? null };
  }

  async releaseStats(): Promise<ReleaseStats> {
    return this.release.stats();
  }
}
