import Stripe from 'stripe';
import { Logger, PermanentError, TransientError } from '@billing/messaging';
import { TransientReason, classifyProviderError } from '../domain/classify-provider-error';
import { OffSessionCharge, PaymentProvider, ProviderCallAnswer } from '../application/payment-provider';

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
  constructor(private readonly stripe: Stripe) {}

  async chargeOffSession(request: OffSessionCharge, logger: Logger): Promise<ProviderCallAnswer> {
    const log = logger.child({ idempotencyKey: request.idempotencyKey });
    try {
      const intent = await this.stripe.paymentIntents.create(
        {
          amount: request.amount,
          currency: request.currency,
          ...(request.customerId === null ? {} : { customer: request.customerId }),
          payment_method: request.paymentMethodId,
          confirm: true,
          off_session: true,
          metadata: { ...request.metadata },
        },
        { idempotencyKey: request.idempotencyKey },
      );
      if (intent.status === 'succeeded') {
        return { kind: 'succeeded', paymentIntentId: intent.id, chargeId: chargeIdOf(intent.latest_charge) };
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
      if (classified.kind === 'bug') {
        const code = classified.code ?? 'error';
        log.error({ code, message: classified.message }, 'provider refused the charge request: a bug, not retried');
        throw new PermanentError(`provider_${code}`, `Stripe refused ${request.idempotencyKey}: ${code}: ${classified.message}`, {
          cause: error,
        });
      }
      if (classified.reason === 'rate_limited') {
        // Stripe executed nothing (and stored nothing under the key): the caller paces and repeats it.
        return { kind: 'rate_limited', message: classified.message };
      }
      const outage = OUTAGE_REASONS.has(classified.reason);
      log.warn({ reason: classified.reason, outage }, 'provider still failing transiently after the SDK retries; the event will be redelivered');
      throw new TransientError(`Stripe call ${request.idempotencyKey} failed transiently (${classified.reason}): ${classified.message}`, {
        cause: error,
        retried: true,
        outage,
      });
    }
  }
}

function chargeIdOf(latest: string | Stripe.Charge | null): string | null {
  if (latest === null) return null;
  return typeof latest === 'string' ? latest : latest.id;
}
