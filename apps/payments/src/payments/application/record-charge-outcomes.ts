import { EntityManager } from 'typeorm';
import { ChargeFailedV1, ChargeSucceededV1, Envelope, createEvent } from '@billing/events';
import { appendToOutbox, eventMeta } from '@billing/messaging';
import { AttemptResolution, AttemptRow } from '../domain/charge-attempt';
import { resolvePendingAttempts } from '../infrastructure/charge-attempt-store';
import { addCollected, findInvoices } from '../infrastructure/invoice-snapshot-store';

export const PRODUCER = 'payments';

export interface OutcomeToRecord {
  resolution: AttemptResolution;
  /** The event (or Stripe webhook event id) that led to the outcome: the emitted event's causationId. */
  causationId: string;
}

/**
 * Records final outcomes of pending attempts in the caller's transaction and emits one
 * ChargeSucceeded / ChargeFailed per attempt it resolved. Used by the consumer (after the
 * provider call) and by the webhook (an attempt left pending): the conditional update lets
 * exactly one of them resolve an attempt, so the event is never emitted twice.
 */
export async function recordChargeOutcomes(
  manager: EntityManager,
  outcomes: readonly OutcomeToRecord[],
  now: Date,
  resolvedBy: 'consumer' | 'webhook',
): Promise<AttemptRow[]> {
  if (outcomes.length === 0) return [];
  const resolved = await resolvePendingAttempts(
    manager,
    outcomes.map((o) => o.resolution),
    now,
    resolvedBy,
  );
  if (resolved.length === 0) return [];

  const collected = new Map<string, number>();
  for (const a of resolved) {
    if (a.status === 'succeeded') collected.set(a.invoiceId, (collected.get(a.invoiceId) ?? 0) + a.amountMinor);
  }
  await addCollected(manager, collected);

  const invoices = await findInvoices(
    manager,
    resolved.map((a) => a.invoiceId),
  );
  const causes = new Map(outcomes.map((o) => [`${o.resolution.invoiceId}#${o.resolution.attempt}`, o.causationId]));
  const occurredAt = now.toISOString();
  const events: Envelope[] = resolved.map((a) => {
    const invoice = invoices.get(a.invoiceId)!;
    const meta = eventMeta(PRODUCER, occurredAt, {
      accountId: invoice.accountId,
      correlationId: a.correlationId,
      causationId: causes.get(`${a.invoiceId}#${a.attempt}`) ?? null,
    });
    if (a.status === 'succeeded') {
      return createEvent(ChargeSucceededV1, meta, {
        invoiceId: a.invoiceId,
        invoiceNumber: invoice.invoiceNumber,
        attempt: a.attempt,
        amountMinor: a.amountMinor,
        currency: a.currency,
        paymentMethodId: a.paymentMethodId,
        providerPaymentIntentId: a.providerPaymentIntentId!,
        providerChargeId: a.providerChargeId,
        succeededAt: occurredAt,
      });
    }
    return createEvent(ChargeFailedV1, meta, {
      invoiceId: a.invoiceId,
      invoiceNumber: invoice.invoiceNumber,
      attempt: a.attempt,
      amountMinor: a.amountMinor,
      currency: a.currency,
      paymentMethodId: a.paymentMethodId,
      errorCode: a.errorCode ?? 'card_declined',
      declineCode: a.declineCode,
      message: a.errorMessage ?? '',
      retryable: a.retryable ?? false,
      providerPaymentIntentId: a.providerPaymentIntentId,
      failedAt: occurredAt,
      dueAt: invoice.dueAt,
      customer: invoice.customer,
    });
  });
  await appendToOutbox(manager, events);
  return resolved;
}
