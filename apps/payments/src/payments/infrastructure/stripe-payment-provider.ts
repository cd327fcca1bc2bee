import Stripe from 'stripe';
import { Logger, PermanentError, TransientError } from '@billing/messaging';
import { classifyProviderError } from '../domain/classify-provider-error';
import { OffSessionCharge, PaymentProvider, ProviderChargeOutcome } from '../application/payment-provider';

export interface RetryPolicy {
  /** Calls in all (the first included) before giving up with TransientError. */
  readonly attempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates and confirms an off-session PaymentIntent through the Stripe SDK. Every repeat of a
 * call — the SDK's own network retries and ours below — carries the same idempotency key and
 * the same parameters, so Stripe replays the first answer instead of charging again.
 */
export class StripePaymentProvider implements PaymentProvider {
  constructor(
    private readonly stripe: Stripe,
    private readonly retry: RetryPolicy,
  ) {}

  async chargeOffSession(request: OffSessionCharge, logger: Logger): Promise<ProviderChargeOutcome> {
    const log = logger.child({ idempotencyKey: request.idempotencyKey });
    for (let call = 1; ; call++) {
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
        if (call >= this.retry.attempts) {
          log.warn({ reason: classified.reason, calls: call }, 'provider still failing transiently; the event will be redelivered');
          throw new TransientError(
            `Stripe call ${request.idempotencyKey} failed transiently (${classified.reason}) ${call} times: ${classified.message}`,
            { cause: error },
          );
        }
        const delay = Math.min(this.retry.maxBackoffMs, this.retry.backoffMs * 2 ** (call - 1));
        log.warn({ reason: classified.reason, call, delay }, 'transient provider failure; retrying with the same idempotency key');
        await sleep(delay);
      }
    }
  }
}

function chargeIdOf(latest: string | Stripe.Charge | null): string | null {
  if (latest === null) return null;
  return typeof latest === 'string' ? latest : latest.id;
}
