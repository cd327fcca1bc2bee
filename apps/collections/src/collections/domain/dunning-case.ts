import { ChargeFailedV1, ChargeSucceededV1, CustomerSnapshot, PayloadOf } from '@billing/events';
import { CurrencyCode } from '@billing/money';
import { addMillis, earliest } from './instant';
import { DunningPolicy } from './policy';

export type ChargeFailedPayload = PayloadOf<typeof ChargeFailedV1>;
export type ChargeSucceededPayload = PayloadOf<typeof ChargeSucceededV1>;

/** A ChargeFailed payload plus the envelope's partition key. */
export type ChargeFailure = ChargeFailedPayload & { accountId: string };

/**
 * - `retrying`: a retry is scheduled (`nextRetryAt`, `nextAttempt`).
 * - `action_required`: the last failure was not retryable; the customer must act. Hold at `holdDueAt`.
 * - `exhausted`: the last scheduled retry failed too. Hold at `holdDueAt` (no grace).
 * - `paid`: terminal.
 */
export type DunningStatus = 'retrying' | 'exhausted' | 'action_required' | 'paid';

export interface AttemptRecord {
  readonly attempt: number;
  readonly outcome: 'failed' | 'succeeded';
  readonly at: string;
  readonly errorCode: string | null;
  readonly declineCode: string | null;
  readonly message: string | null;
  readonly retryable: boolean | null;
}

/** One dunning case per unpaid invoice, opened by the invoice's first ChargeFailed. */
export interface DunningCase {
  readonly caseId: string;
  readonly invoiceId: string;
  readonly invoiceNumber: string;
  readonly accountId: string;
  readonly amountMinor: number;
  readonly currency: CurrencyCode;
  readonly customer: CustomerSnapshot;
  readonly dueAt: string;
  readonly firstFailedAt: string;
  /** The highest attempt number whose outcome collections has seen. */
  readonly attemptsMade: number;
  readonly lastAttempt: AttemptRecord;
  readonly status: DunningStatus;
  readonly nextRetryAt: string | null;
  readonly nextAttempt: number | null;
  /** Set once `retryDue` has asked payments for `nextAttempt`; stops the scheduler asking twice. */
  readonly retryRequestedAt: string | null;
  /** When this case makes the account's hold due (`exhausted` / `action_required` only). */
  readonly holdDueAt: string | null;
  readonly paidAt: string | null;
}

export type CaseChange = 'retry_scheduled' | 'action_required' | 'exhausted' | 'paid';

/**
 * Why a decision left the case as it was:
 * - `duplicate_attempt`: a redelivered or stale ChargeFailed for an attempt already seen.
 * - `already_paid`: the case is paid; later outcomes change nothing.
 * - `no_case`: a ChargeSucceeded for an invoice that never failed (paid on the first attempt).
 */
export type CaseUnchangedReason = 'duplicate_attempt' | 'already_paid' | 'no_case';

export type CaseDecision =
  | { readonly changed: true; readonly change: CaseChange; readonly case: DunningCase }
  | { readonly changed: false; readonly reason: CaseUnchangedReason; readonly case: DunningCase | null };

function assertSameInvoice(state: DunningCase, invoiceId: string, accountId?: string): void {
  if (state.invoiceId !== invoiceId) {
    throw new Error(`dunning case ${state.caseId} is for invoice ${state.invoiceId}, not ${invoiceId}`);
  }
  if (accountId !== undefined && state.accountId !== accountId) {
    throw new Error(`dunning case ${state.caseId} is for account ${state.accountId}, not ${accountId}`);
  }
}

/**
 * A charge attempt failed.
 *
 * The first failure opens the case. Attempt `n` failing, retryable, with an offset left: attempt
 * `n + 1` is scheduled at `firstFailedAt + retryOffsetsMs[n - 1]` (possibly already past, when the
 * event arrives late: the scheduler then requests it at once). Not retryable: no retry, the hold is
 * due `holdGraceMs` after `failedAt`. Retryable but no offset left: exhausted, the hold is due `now`.
 * A hold already due stays due at its earlier time.
 */
export function onChargeFailed(
  state: DunningCase | null,
  failure: ChargeFailure,
  policy: DunningPolicy,
  now: string,
  ids: () => string,
): CaseDecision {
  if (state !== null) {
    assertSameInvoice(state, failure.invoiceId, failure.accountId);
    if (state.status === 'paid') return { changed: false, reason: 'already_paid', case: state };
    if (failure.attempt <= state.attemptsMade) return { changed: false, reason: 'duplicate_attempt', case: state };
  }

  const base: DunningCase = state ?? {
    caseId: ids(),
    invoiceId: failure.invoiceId,
    invoiceNumber: failure.invoiceNumber,
    accountId: failure.accountId,
    amountMinor: failure.amountMinor,
    currency: failure.currency,
    customer: failure.customer,
    dueAt: failure.dueAt,
    firstFailedAt: failure.failedAt,
    attemptsMade: 0,
    lastAttempt: failedAttempt(failure),
    status: 'retrying',
    nextRetryAt: null,
    nextAttempt: null,
    retryRequestedAt: null,
    holdDueAt: null,
    paidAt: null,
  };

  const seen: DunningCase = {
    ...base,
    // The newest snapshot is the one to render the hold email from.
    customer: failure.customer,
    attemptsMade: failure.attempt,
    lastAttempt: failedAttempt(failure),
    nextRetryAt: null,
    nextAttempt: null,
    retryRequestedAt: null,
  };

  if (!failure.retryable) {
    const holdDueAt = addMillis(failure.failedAt, policy.holdGraceMs);
    return {
      changed: true,
      change: 'action_required',
      case: { ...seen, status: 'action_required', holdDueAt: keepEarlier(base.holdDueAt, holdDueAt) },
    };
  }

  const offset = policy.retryOffsetsMs[failure.attempt - 1];
  if (offset === undefined) {
    return {
      changed: true,
      change: 'exhausted',
      case: { ...seen, status: 'exhausted', holdDueAt: keepEarlier(base.holdDueAt, now) },
    };
  }

  return {
    changed: true,
    change: 'retry_scheduled',
    case: {
      ...seen,
      status: 'retrying',
      nextAttempt: failure.attempt + 1,
      nextRetryAt: addMillis(seen.firstFailedAt, offset),
      holdDueAt: null,
    },
  };
}

/** The invoice was paid: the case is closed and any pending retry is cancelled. */
export function onChargeSucceeded(state: DunningCase | null, payment: ChargeSucceededPayload): CaseDecision {
  if (state === null) return { changed: false, reason: 'no_case', case: null };
  assertSameInvoice(state, payment.invoiceId);
  if (state.status === 'paid') return { changed: false, reason: 'already_paid', case: state };
  return {
    changed: true,
    change: 'paid',
    case: {
      ...state,
      status: 'paid',
      attemptsMade: Math.max(state.attemptsMade, payment.attempt),
      lastAttempt: {
        attempt: payment.attempt,
        outcome: 'succeeded',
        at: payment.succeededAt,
        errorCode: null,
        declineCode: null,
        message: null,
        retryable: null,
      },
      nextRetryAt: null,
      nextAttempt: null,
      retryRequestedAt: null,
      holdDueAt: null,
      paidAt: payment.succeededAt,
    },
  };
}

/**
 * The invoice was paid outside the provider (an offline payment covered what was left): the case
 * is closed like a successful charge, its last attempt kept as it was.
 */
export function onPaidOffline(state: DunningCase, paidAt: string): CaseDecision {
  if (state.status === 'paid') return { changed: false, reason: 'already_paid', case: state };
  return {
    changed: true,
    change: 'paid',
    case: { ...state, status: 'paid', nextRetryAt: null, nextAttempt: null, retryRequestedAt: null, holdDueAt: null, paidAt },
  };
}

/** Every status but `paid` leaves the invoice unpaid. */
export function isUnpaid(c: DunningCase): boolean {
  return c.status !== 'paid';
}

function failedAttempt(failure: ChargeFailure): AttemptRecord {
  return {
    attempt: failure.attempt,
    outcome: 'failed',
    at: failure.failedAt,
    errorCode: failure.errorCode,
    declineCode: failure.declineCode,
    message: failure.message,
    retryable: failure.retryable,
  };
}

function keepEarlier(existing: string | null, candidate: string): string {
  return existing === null ? candidate : earliest(existing, candidate);
}
