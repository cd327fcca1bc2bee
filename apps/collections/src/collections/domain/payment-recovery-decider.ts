import { AccountPaymentMethodChangedV1, InvoiceGeneratedV1, PayloadOf } from '@billing/events';
import { DunningCase, isUnpaid, onPaidOffline } from './dunning-case';
import {
  AccountDunning,
  ChargeOutcome,
  ChargeRetryRequested,
  Decision,
  DunningContext,
  decideOnChargeOutcome,
} from './dunning-decider';
import { decideRelease } from './hold';
import { isAtOrBefore } from './instant';
import {
  AccountMethod,
  ChargeSkippedPayload,
  CreditNoteSettledPayload,
  InvoiceState,
  PaymentRecordedPayload,
  attemptInFlight,
  attemptRequested,
  onAttemptOutcome,
  onChargeSkipped,
  onCreditNoteSettled,
  onInvoiceGenerated,
  onPaymentRecorded,
  outstandingMinor,
} from './invoice-collection';

/**
 * How a customer who pays gets out of dunning, as deciders over one account: its invoices, its
 * current payment method, its dunning cases and its hold. Attempts ≥ 2 are collections' own:
 * every request here asks for `lastRequestedAttempt + 1`, and a scheduled retry not yet requested
 * is that same number (pulled forward, never doubled).
 */
export interface AccountCollections extends AccountDunning {
  /** null: invoicing never announced the account's method to collections. */
  readonly method: AccountMethod | null;
  /** The account's unpaid invoices, plus those the input names. */
  readonly invoices: readonly InvoiceState[];
}

type Envelope<T extends string, P> = { readonly type: T; readonly accountId: string; readonly payload: P };
export type InvoiceGenerated = Envelope<'InvoiceGenerated', PayloadOf<typeof InvoiceGeneratedV1>>;
export type PaymentMethodChanged = Envelope<'AccountPaymentMethodChanged', PayloadOf<typeof AccountPaymentMethodChangedV1>>;
export type ChargeSkipped = Envelope<'ChargeSkipped', ChargeSkippedPayload>;
export type PaymentRecorded = Envelope<'PaymentRecorded', PaymentRecordedPayload>;
export type CreditNoteSettled = Envelope<'CreditNoteSettled', CreditNoteSettledPayload>;

/** An operator asks for an attempt now (`POST /v1/invoices/{invoiceId}/pay`). */
export interface PayNow {
  readonly type: 'PayNow';
  readonly invoiceId: string;
}

export type PayNowRejection = 'invoice_not_found' | 'nothing_outstanding' | 'attempt_in_flight';

export interface PayNowDecision extends Decision<AccountCollections, ChargeRetryRequested> {
  /** Why no attempt was requested; null when `attempt` was. */
  readonly rejection: PayNowRejection | null;
  readonly attempt: number | null;
}

type Context = Pick<DunningContext, 'now'>;
type RetryReason = 'payment_method_changed' | 'pay_now';

/** The invoice was issued: collections now knows its total, its collection decision and that payments has attempt 1. */
export function decideOnInvoiceGenerated(event: InvoiceGenerated, state: AccountCollections): Decision<AccountCollections> {
  const invoice = onInvoiceGenerated(invoiceOf(state, event.payload.invoiceId), event.accountId, event.payload);
  return { state: withInvoice(state, invoice), events: [] };
}

/**
 * The account's payment method changed. To a method: each unpaid invoice (open dunning case, or
 * skipped for want of a method) with no attempt in flight gets its next attempt now; one in
 * flight is left alone (its outcome says which method it used, see `decideOnCharge`). An older
 * or redelivered change changes nothing.
 */
export function decideOnPaymentMethodChanged(
  event: PaymentMethodChanged,
  state: AccountCollections,
  { now }: Context,
): Decision<AccountCollections, ChargeRetryRequested> {
  const { paymentMethodId, changedAt } = event.payload;
  if (state.method !== null && isAtOrBefore(changedAt, state.method.changedAt)) return { state, events: [] };
  let next: AccountCollections = { ...state, method: { accountId: event.accountId, paymentMethodId, changedAt } };
  if (paymentMethodId === null) return { state: next, events: [] };

  const events: ChargeRetryRequested[] = [];
  for (const invoice of state.invoices) {
    const waiting = openCaseOf(next, invoice.invoiceId) !== null || waitsForAMethod(invoice);
    if (!waiting || attemptInFlight(invoice) || outstandingMinor(invoice) === 0) continue;
    const requested = requestAttemptNow(next, invoice, 'payment_method_changed', now);
    next = requested.state;
    events.push(requested.event);
  }
  return { state: next, events };
}

/**
 * A charge attempt failed or succeeded: the dunning reaction (`decideOnChargeOutcome`) plus the
 * invoice's attempts and collected amount. A failure charged to a method that is no longer the
 * account's asks for the next attempt at once, unless one was already asked for with it.
 */
export function decideOnCharge(event: ChargeOutcome, state: AccountCollections, context: DunningContext): Decision<AccountCollections> {
  const known = invoiceOf(state, event.payload.invoiceId);
  const invoice = onAttemptOutcome(known, event.accountId, event.payload, event.type === 'ChargeSucceeded');
  if (known !== null && outstandingMinor(known) === 0 && openCaseOf(state, known.invoiceId) === null) {
    // Paid meanwhile (an offline payment handled by its own consumer first): a late failure opens no case.
    return { state: withInvoice(state, invoice), events: [] };
  }
  const dunning = decideOnChargeOutcome(event, state, context);
  const next = withInvoice({ ...state, cases: dunning.state.cases, hold: dunning.state.hold }, invoice);
  const usedMethod = event.type === 'ChargeFailed' ? event.payload.paymentMethodId : undefined;
  if (!dunning.caseOutcome.changed || usedMethod === undefined || !chargedToAnOldMethod(next, invoice, usedMethod)) {
    return { state: next, events: dunning.events };
  }
  const requested = requestAttemptNow(next, invoice, 'payment_method_changed', context.now);
  return { state: requested.state, events: [...dunning.events, requested.event] };
}

/**
 * Payments made no provider call for the invoice's latest requested attempt. Skipped for want of
 * a method while collections already knows the account's new one (the change overtook the
 * attempt): the next attempt is asked for at once. A skip opens no dunning case and places no hold.
 */
export function decideOnChargeSkipped(event: ChargeSkipped, state: AccountCollections, { now }: Context): Decision<AccountCollections> {
  const invoice = onChargeSkipped(invoiceOf(state, event.payload.invoiceId), event.accountId, event.payload);
  const next = withInvoice(state, invoice);
  if (!waitsForAMethod(invoice) || !chargedToAnOldMethod(next, invoice, null)) return { state: next, events: [] };
  const requested = requestAttemptNow(next, invoice, 'payment_method_changed', now);
  return { state: requested.state, events: [requested.event] };
}

/**
 * A payment received outside the provider. Nothing left outstanding: the case is paid (as by a
 * successful charge) and the hold released once nothing overdue is left. Partial: the case stays
 * open with what is still owed. An invoice with no case only counts what was collected.
 */
export function decideOnPaymentRecorded(
  event: PaymentRecorded,
  state: AccountCollections,
  { now }: Context,
): Decision<AccountCollections> {
  const before = invoiceOf(state, event.payload.invoiceId);
  const invoice = onPaymentRecorded(before, event.accountId, event.payload);
  if (invoice === before) return { state, events: [] };
  return settleOpenCase(withInvoice(state, invoice), invoice, event.payload.outstandingAfterMinor, event.payload.receivedAt, now);
}

/**
 * Payments settled a credit note against the invoice (CreditNoteSettled): what it applied to the
 * outstanding amount is no longer owed. Nothing left outstanding: the invoice's case is closed
 * (no further retry) and the hold released once nothing overdue is left — exactly as a payment
 * would; partial: the case stays open with what is still owed (payments charges the next retry
 * that much less). A credit of an invoice with no case, or a settlement counted before, changes
 * no case.
 */
export function decideOnCreditNoteSettled(
  event: CreditNoteSettled,
  state: AccountCollections,
  { now }: Context,
): Decision<AccountCollections> {
  const before = invoiceOf(state, event.payload.invoiceId);
  const invoice = onCreditNoteSettled(before, event.accountId, event.payload);
  if (invoice === before) return { state, events: [] };
  return settleOpenCase(withInvoice(state, invoice), invoice, event.payload.outstandingAfterMinor, event.payload.settledAt, now);
}

/**
 * Money arrived for the invoice, or a credit took its debt off: with `outstandingAfterMinor` 0
 * its open case is closed (`onPaidOffline`: no retry, no hold falls due) and the account's hold
 * released if nothing overdue is left (`decideRelease`: once); otherwise the case owes the rest.
 */
function settleOpenCase(
  next: AccountCollections,
  invoice: InvoiceState,
  outstandingAfterMinor: number,
  at: string,
  now: string,
): Decision<AccountCollections> {
  const open = openCaseOf(next, invoice.invoiceId);
  if (open === null) return { state: next, events: [] };
  if (outstandingAfterMinor > 0) return { state: withCase(next, open, { ...open, amountMinor: outstandingAfterMinor }), events: [] };
  const paid = onPaidOffline(open, at);
  const cases = withCase(next, open, paid.case!).cases;
  const release = decideRelease(cases, next.hold, now);
  if (!release.released) return { state: { ...next, cases }, events: [] };
  return { state: { ...next, cases, hold: release.state }, events: [{ type: 'AccountHoldReleased', payload: release.payload }] };
}

/** An operator asks for an attempt now: refused, as a coded value, when nothing is owed or one is in flight. */
export function decidePayNow(command: PayNow, state: AccountCollections, { now }: Context): PayNowDecision {
  const invoice = invoiceOf(state, command.invoiceId);
  const refuse = (rejection: PayNowRejection): PayNowDecision => ({ state, events: [], rejection, attempt: null });
  if (invoice === null) return refuse('invoice_not_found');
  const paidCase = state.cases.some((c) => c.invoiceId === invoice.invoiceId && !isUnpaid(c));
  if (outstandingMinor(invoice) === 0 || paidCase) return refuse('nothing_outstanding');
  if (attemptInFlight(invoice)) return refuse('attempt_in_flight');
  const requested = requestAttemptNow(state, invoice, 'pay_now', now);
  return { state: requested.state, events: [requested.event], rejection: null, attempt: requested.event.payload.attempt };
}

/**
 * Asks payments for the invoice's next attempt now, with the account's current method. A
 * scheduled retry not yet requested is this same attempt: its case is marked requested, so the
 * scheduler does not ask again. A case waiting for the customer or exhausted is retrying again
 * until the attempt's outcome, so no hold falls due meanwhile (one already placed stays).
 */
function requestAttemptNow(
  state: AccountCollections,
  invoice: InvoiceState,
  reason: RetryReason,
  now: string,
): { state: AccountCollections; event: ChargeRetryRequested } {
  const requested = attemptRequested(invoice, state.method?.paymentMethodId ?? null);
  const attempt = requested.lastRequestedAttempt;
  const open = openCaseOf(state, invoice.invoiceId);
  let next = withInvoice(state, requested);
  if (open !== null) {
    // The case is retrying again: no hold falls due while this attempt is out; its failure decides anew.
    next = withCase(next, open, { ...open, status: 'retrying', nextAttempt: attempt, nextRetryAt: now, retryRequestedAt: now, holdDueAt: null });
  }
  return {
    state: next,
    event: {
      type: 'ChargeRetryRequested',
      payload: {
        invoiceId: invoice.invoiceId,
        // An invoice no charge failed for (skipped, or paid now before any failure) has no case: its own id stands in.
        dunningCaseId: open?.caseId ?? invoice.invoiceId,
        attempt,
        scheduledFor: now,
        requestedAt: now,
        reason,
      },
    },
  };
}

/**
 * The latest outcome was charged to `usedMethod` (null: none), the account now has another one,
 * nothing is in flight, something is owed, and no attempt was asked for with the current method yet.
 */
function chargedToAnOldMethod(state: AccountCollections, invoice: InvoiceState, usedMethod: string | null): boolean {
  const current = state.method?.paymentMethodId ?? null;
  return (
    current !== null &&
    usedMethod !== current &&
    invoice.lastRequestedMethodId !== current &&
    !attemptInFlight(invoice) &&
    outstandingMinor(invoice) > 0 &&
    !state.cases.some((c) => c.invoiceId === invoice.invoiceId && !isUnpaid(c))
  );
}

/** Issued without a method, or skipped for want of one (whichever reason payments gave its skip). */
function waitsForAMethod(invoice: InvoiceState): boolean {
  return invoice.skipReason === 'no_payment_method' || (invoice.collection === 'no_payment_method' && invoice.skipReason !== null);
}

function invoiceOf(state: AccountCollections, invoiceId: string): InvoiceState | null {
  return state.invoices.find((i) => i.invoiceId === invoiceId) ?? null;
}

function openCaseOf(state: AccountCollections, invoiceId: string): DunningCase | null {
  return state.cases.find((c) => c.invoiceId === invoiceId && isUnpaid(c)) ?? null;
}

function withInvoice(state: AccountCollections, invoice: InvoiceState): AccountCollections {
  const known = state.invoices.some((i) => i.invoiceId === invoice.invoiceId);
  const invoices = known ? state.invoices.map((i) => (i.invoiceId === invoice.invoiceId ? invoice : i)) : [...state.invoices, invoice];
  return { ...state, invoices };
}

function withCase(state: AccountCollections, before: DunningCase, after: DunningCase): AccountCollections {
  return { ...state, cases: state.cases.map((c) => (c === before ? after : c)) };
}
