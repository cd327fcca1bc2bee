import { ChargeRetryRequestedV1, PayloadOf } from '@billing/events';
import { DunningCase } from './dunning-case';
import { isAtOrBefore } from './instant';

export type ChargeRetryRequestedPayload = PayloadOf<typeof ChargeRetryRequestedV1>;

/**
 * - `no_retry_scheduled`: the case is paid, exhausted or waiting for the customer.
 * - `already_requested`: the retry was asked for; its ChargeFailed/ChargeSucceeded is awaited.
 * - `not_due`: `nextRetryAt` is still in the future.
 */
export type RetryNotDueReason = 'no_retry_scheduled' | 'already_requested' | 'not_due';

export type RetryDueDecision =
  | { readonly due: true; readonly payload: ChargeRetryRequestedPayload; readonly case: DunningCase }
  | { readonly due: false; readonly reason: RetryNotDueReason };

/**
 * For the scheduler: when the case's next retry is due (`nextRetryAt <= now`), the
 * ChargeRetryRequested payload to publish and the case marked as requested, so a second
 * scheduler tick before the outcome arrives does not ask payments twice.
 */
export function retryDue(state: DunningCase, now: string): RetryDueDecision {
  if (state.status !== 'retrying' || state.nextRetryAt === null || state.nextAttempt === null) {
    return { due: false, reason: 'no_retry_scheduled' };
  }
  if (state.retryRequestedAt !== null) return { due: false, reason: 'already_requested' };
  if (!isAtOrBefore(state.nextRetryAt, now)) return { due: false, reason: 'not_due' };
  return {
    due: true,
    payload: {
      invoiceId: state.invoiceId,
      dunningCaseId: state.caseId,
      attempt: state.nextAttempt,
      scheduledFor: state.nextRetryAt,
      requestedAt: now,
      reason: 'schedule',
    },
    case: { ...state, retryRequestedAt: now },
  };
}
