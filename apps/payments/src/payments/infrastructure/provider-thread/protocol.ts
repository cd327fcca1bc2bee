import type Stripe from 'stripe';
import { SlotMissed } from '../../application/payment-provider';
import { ProviderSlot, ReleaseStats } from '../../application/provider-pace';
import { CreatedPaymentIntent, CreatedRefund } from '../stripe-calls';

/** What the consumer thread asks of the provider thread. */
export type ThreadCall =
  | { readonly kind: 'paymentIntent'; readonly params: Stripe.PaymentIntentCreateParams; readonly idempotencyKey: string; readonly slot: ProviderSlot | null }
  | { readonly kind: 'refund'; readonly params: Stripe.RefundCreateParams; readonly idempotencyKey: string; readonly slot: ProviderSlot | null }
  | { readonly kind: 'stats' };

/** Consumer thread → provider thread: a call and the id its answer carries. */
export type ThreadRequest = ThreadCall & { readonly id: number };

/**
 * The fields of a thrown SDK error that payments reads (classify-provider-error.ts and the
 * decline's PaymentIntent/charge ids): an Error's class does not cross threads, these do.
 */
export interface CallFailure {
  readonly message: string;
  readonly type?: string;
  readonly rawType?: string;
  readonly code?: string;
  readonly decline_code?: string;
  readonly param?: string;
  readonly statusCode?: number;
  readonly charge?: string;
  readonly payment_intent?: { readonly id?: string };
}

/** Provider thread → consumer thread. */
export type ThreadAnswer =
  | { readonly id: number; readonly ok: CreatedPaymentIntent | CreatedRefund | SlotMissed | ReleaseStats }
  | { readonly id: number; readonly failure: CallFailure };

/** The readable fields of whatever the SDK threw. */
export function callFailureOf(error: unknown): CallFailure {
  if (typeof error !== 'object' || error === null) return { message: `non-error thrown: ${String(error)}` };
  const fields = error as Record<string, unknown>;
  const text = (name: string) => (typeof fields[name] === 'string' ? { [name]: fields[name] as string } : {});
  const intent = fields.payment_intent as { id?: unknown } | undefined;
  return {
    message: typeof fields.message === 'string' ? fields.message : String(error),
    ...text('type'),
    ...text('rawType'),
    ...text('code'),
    ...text('decline_code'),
    ...text('param'),
    ...text('charge'),
    ...(typeof fields.statusCode === 'number' ? { statusCode: fields.statusCode } : {}),
    ...(typeof intent?.id === 'string' ? { payment_intent: { id: intent.id } } : {}),
  };
}
