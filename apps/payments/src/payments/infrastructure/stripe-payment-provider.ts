import { Logger, PermanentError, TransientError } from '@billing/messaging';
import { ProviderErrorClassification, TransientReason, classifyProviderError } from '../domain/classify-provider-error';
import { isFinalRefundRefusal } from '../domain/settle-credit-note';
import {
  OffSessionCharge,
  PaymentProvider,
  ProviderCallAnswer,
  ProviderRefundOutcome,
  RateLimited,
  RefundRequest,
  SlotMissed,
} from '../application/payment-provider';
import { ProviderSlot } from '../application/provider-pace';
import { StripeCalls } from './stripe-calls';

/**
 * Transient reasons that say Stripe as a whole is unavailable rather than that this request is
 * bad: Stripe unreachable or answering 5xx (a 429 is not thrown: it is answered `rate_limited`). They block the consumer (never
 * spend its redelivery budget, never dead-letter a charge); a timeout or a conflict on this one
 * key counts toward the budget, so a payload that times out every time is dead-lettered.
 */
const OUTAGE_REASONS: ReadonlySet<TransientReason> = new Set<TransientReason>(['connection', 'provider_error']);

/**
 * Creates and confirms an off-session PaymentIntent through the Stripe SDK. The SDK's own network
 * retries (`maxNetworkRetries`: exponential back-off with jitter, the same idempotency key,
 * Stripe's `Stripe-Should-Retry` honoured) are the ONE retry layer of this call: nothing here
 * loops, and the failure it ends in is thrown as `TransientError({ retried: true })` so the
 * consumer does not run the call again in-process either. A 429 is answered `rate_limited` (the
 * SDK never retries it): pacing and repeating it is application/call-provider-paced.ts's. Kafka redelivers the event later,
 * bounded by the consumer's redelivery budget; every repeat carries the same key and
 * parameters, so Stripe replays the first answer instead of charging again.
 */
export class StripePaymentProvider implements PaymentProvider {
  constructor(private readonly calls: StripeCalls) {}

  async chargeOffSession(request: OffSessionCharge, logger: Logger, slot: ProviderSlot | null = null): Promise<ProviderCallAnswer> {
    const log = logger.child({ idempotencyKey: request.idempotencyKey });
    try {
      const intent = await this.calls.createPaymentIntent(
        {
          amount: request.amount,
          currency: request.currency,
          ...(request.customerId === null ? {} : { customer: request.customerId }),
          payment_method: request.paymentMethodId,
          confirm: true,
          off_session: true,
          metadata: { ...request.metadata },
        },
        request.idempotencyKey,
        slot,
      );
      if ('kind' in intent) return intent; // slot missed: not sent
      if (intent.status === 'succeeded') {
        return { kind: 'succeeded', paymentIntentId: intent.id, chargeId: intent.latestChargeId };
      }
      log.warn({ paymentIntentId: intent.id, providerStatus: intent.status }, 'payment intent not final; left pending for the webhook');
      return { kind: 'unresolved', paymentIntentId: intent.id, providerStatus: intent.status };
    } catch (error) {
      const classified = classifyProviderError(error);
      if (classified.kind === 'declined') {
        const fields = error as { payment_intent?: { id?: string }; charge?: string };
        return {
          kind: 'declined',
          paymentIntentId: fields.payment_intent?.id ?? null,
          chargeId: typeof fields.charge === 'string' && fields.charge !== '' ? fields.charge : null,
          errorCode: classified.errorCode,
          declineCode: classified.declineCode,
          message: classified.message,
          retryable: classified.retryable,
        };
      }
      return notAnOutcome(classified, error, request.idempotencyKey, 'charge', log);
    }
  }

  /**
   * Refunds (part of) the PaymentIntent's charge with the credit note's key. `succeeded` is final;
   * a refund Stripe made but marks `failed`/`canceled`, or a refusal that says the charge cannot be
   * refunded any more (`charge_already_refunded`, `amount_too_large`, disputed…), is a final
   * `failed`; `pending` stays unresolved. Everything else as for a charge (one SDK retry layer).
   */
  async refund(request: RefundRequest, logger: Logger, slot: ProviderSlot | null = null): Promise<ProviderRefundOutcome | RateLimited | SlotMissed> {
    const log = logger.child({ idempotencyKey: request.idempotencyKey });
    try {
      const refund = await this.calls.createRefund(
        { payment_intent: request.paymentIntentId, amount: request.amount, metadata: { ...request.metadata } },
        request.idempotencyKey,
        slot,
      );
      if ('kind' in refund) return refund; // slot missed: not sent
      if (refund.status === 'succeeded') return { kind: 'succeeded', refundId: refund.id, paymentIntentId: request.paymentIntentId };
      if (refund.status === 'failed' || refund.status === 'canceled') {
        const reason = refund.failureReason ?? refund.status;
        return { kind: 'failed', refundId: refund.id, errorCode: reason, message: `the provider ${refund.status} the refund (${reason})` };
      }
      log.warn({ refundId: refund.id, providerStatus: refund.status }, 'refund not final; left pending');
      return { kind: 'unresolved', refundId: refund.id, providerStatus: refund.status ?? 'unknown' };
    } catch (error) {
      const classified = classifyProviderError(error);
      const code = classified.kind === 'declined' ? classified.errorCode : classified.kind === 'bug' ? classified.code : null;
      if (classified.kind === 'declined' || isFinalRefundRefusal(code)) {
        return { kind: 'failed', refundId: null, errorCode: code ?? 'refund_declined', message: classified.message || 'the provider refused the refund' };
      }
      return notAnOutcome(classified, error, request.idempotencyKey, 'refund', log);
    }
  }
}

/**
 * A provider error that is not an answer about the money: a 429 (`rate_limited`, the caller paces
 * and repeats it), a bug (PermanentError: dead-lettered, the row stays pending for a human), or a
 * transient failure the SDK already retried (TransientError: the event is redelivered, same key).
 */
function notAnOutcome(
  classified: Exclude<ProviderErrorClassification, { kind: 'declined' }>,
  error: unknown,
  idempotencyKey: string,
  what: 'charge' | 'refund',
  log: Logger,
): RateLimited {
  if (classified.kind === 'bug') {
    const code = classified.code ?? 'error';
    log.error({ code, message: classified.message }, `provider refused the ${what} request: a bug, not retried`);
    throw new PermanentError(`provider_${code}`, `Stripe refused ${idempotencyKey}: ${code}: ${classified.message}`, {
      cause: error,
    });
  }
  if (classified.reason === 'rate_limited') {
    // Stripe executed nothing (and stored nothing under the key): the caller paces and repeats it.
    return { kind: 'rate_limited', message: classified.message };
  }
  const outage = OUTAGE_REASONS.has(classified.reason);
  log.warn({ reason: classified.reason, outage }, 'provider still failing transiently after the SDK retries; the event will be redelivered');
  throw new TransientError(`Stripe call ${idempotencyKey} failed transiently (${classified.reason}): ${classified.message}`, {
    cause: error,
    retried: true,
    outage,
  });
}
