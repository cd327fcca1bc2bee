import { ChargeSkippedV1, CreditNoteSettledV1, InvoiceCollection, InvoiceGeneratedV1, PayloadOf, PaymentRecordedV1 } from '@billing/events';
import { CurrencyCode } from '@billing/money';

export type InvoiceGeneratedPayload = PayloadOf<typeof InvoiceGeneratedV1>;
export type ChargeSkippedPayload = PayloadOf<typeof ChargeSkippedV1>;
export type PaymentRecordedPayload = PayloadOf<typeof PaymentRecordedV1>;
export type CreditNoteSettledPayload = PayloadOf<typeof CreditNoteSettledV1>;
export type SkipReason = ChargeSkippedPayload['reason'];

/**
 * What collections knows of one invoice, from every event that names it, whatever order the
 * invoices and payments topics deliver them in (each event only ever raises what it knows).
 *
 * Attempts: attempt 1 is payments' own (requested by InvoiceGenerated, which payments charges or
 * skips); attempts ≥ 2 are requested by collections only (schedule, new method, pay now), each
 * `lastRequestedAttempt + 1`, so they never collide. An attempt is in flight while
 * `lastRequestedAttempt > lastResolvedAttempt`.
 */
export interface InvoiceState {
  readonly invoiceId: string;
  readonly accountId: string;
  readonly invoiceNumber: string;
  readonly currency: CurrencyCode;
  /** The invoice's total; until InvoiceGenerated arrives, what the first payment event implies. */
  readonly totalMinor: number;
  /** Carried to the next invoice (below the provider minimum): not owed on this one. */
  readonly carriedForwardMinor: number;
  readonly collectedMinor: number;
  /** How invoicing decided to collect it; null until InvoiceGenerated (or on an event that predates the field). */
  readonly collection: InvoiceCollection | null;
  readonly lastRequestedAttempt: number;
  readonly lastResolvedAttempt: number;
  /**
   * The account's payment method when collections requested the latest attempt (for attempt 1,
   * the invoice's snapshot): an outcome charged to an older method asks for one more attempt only
   * if none was requested with the current method yet.
   */
  readonly lastRequestedMethodId: string | null;
  /** Why payments skipped the latest resolved attempt; null when it was charged. */
  readonly skipReason: SkipReason | null;
  /** The attempt that succeeded at the provider (at most one). */
  readonly succeededAttempt: number | null;
  /** Offline payments already counted (PaymentRecorded.paymentId). */
  readonly offlinePaymentIds: readonly string[];
  /** Taken off what the invoice owes by credit notes (CreditNoteSettled.appliedToOutstandingMinor). */
  readonly creditedMinor: number;
  /** Credit notes already counted (CreditNoteSettled.creditNoteId). */
  readonly creditNoteIds: readonly string[];
}

/** The account's current payment method as invoicing last announced it; null state: never announced. */
export interface AccountMethod {
  readonly accountId: string;
  readonly paymentMethodId: string | null;
  readonly changedAt: string;
}

export function outstandingMinor(invoice: InvoiceState): number {
  return Math.max(0, invoice.totalMinor - invoice.carriedForwardMinor - invoice.collectedMinor - invoice.creditedMinor);
}

export function attemptInFlight(invoice: InvoiceState): boolean {
  return invoice.lastRequestedAttempt > invoice.lastResolvedAttempt;
}

interface InvoiceFacts {
  readonly invoiceId: string;
  readonly invoiceNumber: string;
  readonly currency: CurrencyCode;
  readonly totalMinor: number;
}

function blank(accountId: string, facts: InvoiceFacts): InvoiceState {
  return {
    ...facts,
    accountId,
    carriedForwardMinor: 0,
    collectedMinor: 0,
    collection: null,
    lastRequestedAttempt: 0,
    lastResolvedAttempt: 0,
    lastRequestedMethodId: null,
    skipReason: null,
    succeededAttempt: null,
    offlinePaymentIds: [],
    creditedMinor: 0,
    creditNoteIds: [],
  };
}

/** The invoice was issued: its total and collection decision are now known; payments takes attempt 1. */
export function onInvoiceGenerated(state: InvoiceState | null, accountId: string, invoice: InvoiceGeneratedPayload): InvoiceState {
  const base = state ?? blank(accountId, { ...invoice, totalMinor: invoice.totalMinor });
  const charged = invoice.totalMinor > 0;
  return {
    ...base,
    invoiceNumber: invoice.invoiceNumber,
    currency: invoice.currency,
    totalMinor: invoice.totalMinor,
    carriedForwardMinor: invoice.carriedForwardMinor ?? (invoice.collection === 'below_provider_minimum' ? invoice.totalMinor : 0),
    collection: invoice.collection ?? (charged ? 'charge_automatically' : 'nothing_due'),
    lastRequestedAttempt: Math.max(base.lastRequestedAttempt, charged ? 1 : 0),
    lastRequestedMethodId: base.lastRequestedAttempt === 0 ? invoice.payment.paymentMethodId : base.lastRequestedMethodId,
  };
}

/** A charge attempt failed or succeeded (the payload fields both outcomes share). */
export interface AttemptOutcome {
  readonly invoiceId: string;
  readonly invoiceNumber: string;
  readonly attempt: number;
  readonly amountMinor: number;
  readonly currency: CurrencyCode;
}

/** Attempt `attempt` ended at the provider; a success adds what it collected, once. */
export function onAttemptOutcome(state: InvoiceState | null, accountId: string, outcome: AttemptOutcome, succeeded: boolean): InvoiceState {
  const base = state ?? blank(accountId, { ...outcome, totalMinor: outcome.amountMinor });
  const resolved = {
    ...base,
    lastRequestedAttempt: Math.max(base.lastRequestedAttempt, outcome.attempt),
    lastResolvedAttempt: Math.max(base.lastResolvedAttempt, outcome.attempt),
    skipReason: outcome.attempt >= base.lastResolvedAttempt ? null : base.skipReason,
  };
  if (!succeeded || base.succeededAttempt === outcome.attempt) return resolved;
  return { ...resolved, succeededAttempt: outcome.attempt, collectedMinor: base.collectedMinor + outcome.amountMinor };
}

/** Payments made no provider call: the latest requested attempt (the skip names none) is resolved. */
export function onChargeSkipped(state: InvoiceState | null, accountId: string, skip: ChargeSkippedPayload): InvoiceState {
  const base = state ?? { ...blank(accountId, { ...skip, totalMinor: skip.amountMinor }), lastRequestedAttempt: 1 };
  return { ...base, lastResolvedAttempt: Math.max(base.lastResolvedAttempt, base.lastRequestedAttempt), skipReason: skip.reason };
}

/** A payment received outside the provider, counted once; payments says what is still outstanding. */
export function onPaymentRecorded(state: InvoiceState | null, accountId: string, payment: PaymentRecordedPayload): InvoiceState {
  if (state?.offlinePaymentIds.includes(payment.paymentId)) return state;
  const base = state ?? blank(accountId, { ...payment, totalMinor: payment.amountMinor + payment.outstandingAfterMinor });
  return {
    ...base,
    collectedMinor: base.collectedMinor + payment.amountMinor,
    offlinePaymentIds: [...base.offlinePaymentIds, payment.paymentId],
  };
}

/** A credit note was settled against the invoice: what it took off the outstanding amount, counted once. */
export function onCreditNoteSettled(state: InvoiceState | null, accountId: string, settlement: CreditNoteSettledPayload): InvoiceState {
  if (state?.creditNoteIds.includes(settlement.creditNoteId)) return state;
  const base =
    state ?? blank(accountId, { ...settlement, totalMinor: settlement.appliedToOutstandingMinor + settlement.outstandingAfterMinor });
  return {
    ...base,
    creditedMinor: base.creditedMinor + settlement.appliedToOutstandingMinor,
    creditNoteIds: [...base.creditNoteIds, settlement.creditNoteId],
  };
}

/** Collections asked payments for the next attempt with the account's method `methodId`. */
export function attemptRequested(state: InvoiceState, methodId: string | null): InvoiceState {
  return { ...state, lastRequestedAttempt: state.lastRequestedAttempt + 1, lastRequestedMethodId: methodId };
}
