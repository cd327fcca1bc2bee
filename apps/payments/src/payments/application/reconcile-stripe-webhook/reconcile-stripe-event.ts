import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { CLOCK, Clock, Logger } from '@billing/messaging';
import { classifyProviderError } from '../../domain/classify-provider-error';
import { AttemptResolution, AttemptRow } from '../../domain/charge-attempt';
import { findAttempt, findAttemptByPaymentIntent } from '../../infrastructure/charge-attempt-store';
import { claimWebhookEvent, setWebhookOutcome } from '../../infrastructure/webhook-event-store';
import { recordChargeOutcomes } from '../record-charge-outcomes';

export type WebhookOutcome =
  | 'duplicate'
  | 'ignored_type'
  | 'unknown_attempt'
  | 'payment_intent_mismatch'
  | 'already_resolved'
  | 'resolved_succeeded'
  | 'resolved_failed';

const HANDLED = new Set(['payment_intent.succeeded', 'payment_intent.payment_failed']);

/** What payments puts in every PaymentIntent's metadata. */
const intentMetadata = z.object({
  invoice_id: z.string().uuid(),
  attempt: z.coerce.number().int().min(1),
});

/**
 * A verified Stripe event, handled once per event id (duplicates change nothing).
 * `payment_intent.succeeded` / `payment_intent.payment_failed` give an attempt that is still
 * pending (the process died, or the connection dropped, after Stripe charged) its outcome and
 * emit ChargeSucceeded / ChargeFailed. An attempt the consumer already resolved changes
 * nothing: the event is emitted by whichever side resolves the attempt first, never twice.
 */
@Injectable()
export class ReconcileStripeEvent {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(event: Stripe.Event, logger: Logger): Promise<WebhookOutcome> {
    const log = logger.child({ stripeEventId: event.id, stripeEventType: event.type });
    return this.dataSource.transaction(async (manager) => {
      const now = this.clock.now();
      const intent = HANDLED.has(event.type) ? (event.data.object as Stripe.PaymentIntent) : null;
      const claimed = await claimWebhookEvent(manager, { eventId: event.id, type: event.type, paymentIntentId: intent?.id ?? null }, now);
      if (!claimed) {
        log.info('duplicate webhook delivery ignored');
        return 'duplicate';
      }
      const outcome = intent === null ? 'ignored_type' : await this.reconcile(manager, event, intent, now, log.child({ paymentIntentId: intent.id }));
      await setWebhookOutcome(manager, event.id, outcome);
      return outcome;
    });
  }

  private async reconcile(
    manager: EntityManager,
    event: Stripe.Event,
    intent: Stripe.PaymentIntent,
    now: Date,
    log: Logger,
  ): Promise<WebhookOutcome> {
    const metadata = intentMetadata.safeParse(intent.metadata ?? {});
    const attempt =
      (metadata.success ? await findAttempt(manager, metadata.data.invoice_id, metadata.data.attempt) : undefined) ??
      (await findAttemptByPaymentIntent(manager, intent.id));
    if (attempt === undefined) {
      log.warn('webhook for a PaymentIntent no attempt of ours knows; ignored');
      return 'unknown_attempt';
    }
    const attemptLog = log.child({ invoiceId: attempt.invoiceId, attempt: attempt.attempt });
    if (attempt.providerPaymentIntentId !== null && attempt.providerPaymentIntentId !== intent.id) {
      attemptLog.error(
        { recordedPaymentIntentId: attempt.providerPaymentIntentId },
        'webhook names another PaymentIntent for this attempt: look for a duplicate charge',
      );
      return 'payment_intent_mismatch';
    }
    const resolution = resolutionOf(attempt, event.type, intent);
    if (attempt.status !== 'pending') {
      if (attempt.status !== resolution.status) {
        attemptLog.error(
          { recorded: attempt.status, provider: resolution.status },
          'provider outcome disagrees with the recorded outcome: needs a look',
        );
      }
      return 'already_resolved';
    }
    const resolved = await recordChargeOutcomes(manager, [{ resolution, causationId: event.id }], now, 'webhook');
    if (resolved.length === 0) return 'already_resolved';
    attemptLog.warn({ status: resolution.status }, 'pending attempt resolved from the webhook');
    return resolution.status === 'succeeded' ? 'resolved_succeeded' : 'resolved_failed';
  }
}

function resolutionOf(attempt: AttemptRow, type: string, intent: Stripe.PaymentIntent): AttemptResolution {
  const target = { invoiceId: attempt.invoiceId, attempt: attempt.attempt, providerPaymentIntentId: intent.id };
  const latestCharge = typeof intent.latest_charge === 'string' ? intent.latest_charge : (intent.latest_charge?.id ?? null);
  if (type === 'payment_intent.succeeded') {
    return {
      ...target,
      status: 'succeeded',
      providerChargeId: latestCharge,
      errorCode: null,
      declineCode: null,
      errorMessage: null,
      retryable: null,
    };
  }
  const error = intent.last_payment_error;
  // A payment_failed event is a refused payment: classify its error as the 402 it was.
  const classified = classifyProviderError({
    type: 'StripeCardError',
    rawType: error?.type ?? 'card_error',
    statusCode: 402,
    code: error?.code ?? 'payment_failed',
    decline_code: error?.decline_code,
    message: error?.message ?? 'The payment failed.',
  });
  const declined =
    classified.kind === 'declined'
      ? classified
      : { errorCode: error?.code ?? 'payment_failed', declineCode: error?.decline_code ?? null, message: error?.message ?? '', retryable: false };
  return {
    ...target,
    status: 'failed',
    providerChargeId: latestCharge,
    errorCode: declined.errorCode,
    declineCode: declined.declineCode,
    errorMessage: declined.message,
    retryable: declined.retryable,
  };
}
