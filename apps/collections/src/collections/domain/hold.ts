import { AccountHoldPlacedV1, AccountHoldReleasedV1, CustomerSnapshot, PayloadOf } from '@billing/events';
import { DunningCase, isUnpaid } from './dunning-case';
import { instantToMillis, isAtOrBefore } from './instant';

export type AccountHoldPlacedPayload = PayloadOf<typeof AccountHoldPlacedV1>;
export type AccountHoldReleasedPayload = PayloadOf<typeof AccountHoldReleasedV1>;
export type HoldReason = AccountHoldPlacedPayload['reason'];
export type ReleaseReason = AccountHoldReleasedPayload['reason'];

export interface ActiveHold {
  readonly holdId: string;
  readonly placedAt: string;
  readonly reason: HoldReason;
  /** Every unpaid invoice of the account when the hold was placed. */
  readonly invoiceIds: readonly string[];
  /** The snapshot the placed email was rendered from; the released email reuses it. */
  readonly customer: CustomerSnapshot;
}

/** A lifted hold, kept for audit: who released it, when and why. */
export interface ReleasedHold extends ActiveHold {
  readonly releasedAt: string;
  readonly releaseReason: ReleaseReason;
  readonly releasedBy: string | null;
  readonly note: string | null;
}

/** Holds are per account: at most one active at a time. */
export interface AccountHoldState {
  readonly accountId: string;
  readonly activeHold: ActiveHold | null;
  readonly history: readonly ReleasedHold[];
}

export function noHold(accountId: string): AccountHoldState {
  return { accountId, activeHold: null, history: [] };
}

/**
 * - `hold_active`: the account is already on hold (a hold is never placed twice).
 * - `nothing_due`: no case is exhausted or past its grace; `nextHoldDueAt` says when to look again.
 */
export type HoldNotPlacedReason = 'hold_active' | 'nothing_due';

export type HoldDecision =
  | { readonly placed: true; readonly payload: AccountHoldPlacedPayload; readonly state: AccountHoldState }
  | { readonly placed: false; readonly reason: HoldNotPlacedReason; readonly nextHoldDueAt: string | null };

/**
 * Places the account's hold when some unpaid case has reached its hold time (`exhausted`, or
 * `action_required` with its grace passed) and no hold is active. The hold lists every unpaid
 * invoice of the account, whatever its status. `retries_exhausted` wins over
 * `payment_action_required` when both apply.
 *
 * Invoices a manual release forgave do not trigger a new hold by themselves (otherwise the
 * next scheduler tick would undo the admin's release); a newly due invoice does, and the new
 * hold then lists the forgiven ones too, since they are still unpaid.
 */
export function decideHold(
  accountCases: readonly DunningCase[],
  holdState: AccountHoldState,
  now: string,
  ids: () => string,
): HoldDecision {
  assertAccount(accountCases, holdState.accountId);
  if (holdState.activeHold !== null) return { placed: false, reason: 'hold_active', nextHoldDueAt: null };

  const forgiven = new Set(
    holdState.history.filter((h) => h.releaseReason === 'manual').flatMap((h) => h.invoiceIds),
  );
  const unpaid = accountCases.filter(isUnpaid);
  const candidates = unpaid.filter(
    (c): c is DunningCase & { holdDueAt: string } => c.holdDueAt !== null && !forgiven.has(c.invoiceId),
  );
  const due = candidates.filter((c) => isAtOrBefore(c.holdDueAt, now));

  if (due.length === 0) {
    const next = candidates.map((c) => c.holdDueAt).sort(byInstant)[0] ?? null;
    return { placed: false, reason: 'nothing_due', nextHoldDueAt: next };
  }

  const reason: HoldReason = due.some((c) => c.status === 'exhausted') ? 'retries_exhausted' : 'payment_action_required';
  const listed = [...unpaid].sort(
    (a, b) => byInstant(a.dueAt, b.dueAt) || a.invoiceNumber.localeCompare(b.invoiceNumber),
  );
  const customer = newestSnapshot(unpaid);
  const hold: ActiveHold = {
    holdId: ids(),
    placedAt: now,
    reason,
    invoiceIds: listed.map((c) => c.invoiceId),
    customer,
  };
  return {
    placed: true,
    payload: {
      holdId: hold.holdId,
      reason,
      unpaidInvoices: listed.map((c) => ({
        invoiceId: c.invoiceId,
        invoiceNumber: c.invoiceNumber,
        amountMinor: c.amountMinor,
        currency: c.currency,
      })),
      placedAt: now,
      customer,
    },
    state: { ...holdState, activeHold: hold },
  };
}

/**
 * The case whose failure caused a hold placed at `now`: the most recently failed of the unpaid
 * cases whose hold time has passed (of all the cases when none has). Its event is the hold's cause.
 */
export function holdCause(accountCases: readonly DunningCase[], now: string): DunningCase {
  const due = accountCases.filter((c) => isUnpaid(c) && c.holdDueAt !== null && isAtOrBefore(c.holdDueAt, now));
  const pool = due.length > 0 ? due : accountCases;
  return newestFailure(pool);
}

/**
 * - `no_active_hold`: nothing to release (never held, or already released: never released twice).
 * - `unpaid_invoices_remain`: some invoice of the account is still unpaid (`unpaidInvoiceIds`).
 */
export type ReleaseNotDoneReason = 'no_active_hold' | 'unpaid_invoices_remain';

export type ReleaseDecision =
  | { readonly released: true; readonly payload: AccountHoldReleasedPayload; readonly state: AccountHoldState }
  | {
      readonly released: false;
      readonly reason: ReleaseNotDoneReason;
      readonly unpaidInvoiceIds: readonly string[];
    };

/**
 * Releases the active hold (reason `paid`) once every invoice of the account is paid: each one
 * the hold lists, and any that failed since. A listed invoice whose case is missing from
 * `accountCases` counts as unpaid: the hold stays rather than lifting on incomplete data.
 */
export function decideRelease(
  accountCases: readonly DunningCase[],
  holdState: AccountHoldState,
  now: string,
): ReleaseDecision {
  assertAccount(accountCases, holdState.accountId);
  const hold = holdState.activeHold;
  if (hold === null) return { released: false, reason: 'no_active_hold', unpaidInvoiceIds: [] };

  const paid = new Set(accountCases.filter((c) => !isUnpaid(c)).map((c) => c.invoiceId));
  const unpaidInvoiceIds = [
    ...new Set([
      ...hold.invoiceIds.filter((id) => !paid.has(id)),
      ...accountCases.filter(isUnpaid).map((c) => c.invoiceId),
    ]),
  ];
  if (unpaidInvoiceIds.length > 0) return { released: false, reason: 'unpaid_invoices_remain', unpaidInvoiceIds };

  return release(holdState, hold, { releasedAt: now, releaseReason: 'paid', releasedBy: null, note: null });
}

export interface ManualReleaseRequest {
  /** Who released it (admin user id or email). */
  readonly by: string;
  /** Why: required, kept in the audit history and sent as the event's note. */
  readonly reason: string;
}

export type ManualReleaseErrorCode = 'no_active_hold' | 'released_by_required' | 'reason_required';

export type ManualReleaseDecision =
  | { readonly ok: true; readonly payload: AccountHoldReleasedPayload; readonly state: AccountHoldState }
  | { readonly ok: false; readonly error: { readonly code: ManualReleaseErrorCode; readonly message: string } };

/** An admin lifts the hold before the invoices are paid. Audited: who, when, why. */
export function manualRelease(
  holdState: AccountHoldState,
  request: ManualReleaseRequest,
  now: string,
): ManualReleaseDecision {
  const hold = holdState.activeHold;
  if (hold === null) {
    return { ok: false, error: { code: 'no_active_hold', message: `account ${holdState.accountId} is not on hold` } };
  }
  const by = typeof request.by === 'string' ? request.by.trim() : '';
  if (by === '') return { ok: false, error: { code: 'released_by_required', message: 'by: who releases the hold is required' } };
  const note = typeof request.reason === 'string' ? request.reason.trim() : '';
  if (note === '') return { ok: false, error: { code: 'reason_required', message: 'reason: why the hold is released is required' } };

  const decision = release(holdState, hold, { releasedAt: now, releaseReason: 'manual', releasedBy: by, note });
  return { ok: true, payload: decision.payload, state: decision.state };
}

function release(
  holdState: AccountHoldState,
  hold: ActiveHold,
  how: Pick<ReleasedHold, 'releasedAt' | 'releaseReason' | 'releasedBy' | 'note'>,
): { released: true; payload: AccountHoldReleasedPayload; state: AccountHoldState } {
  return {
    released: true,
    payload: {
      holdId: hold.holdId,
      reason: how.releaseReason,
      releasedAt: how.releasedAt,
      releasedBy: how.releasedBy,
      note: how.note,
      customer: hold.customer,
    },
    state: { ...holdState, activeHold: null, history: [...holdState.history, { ...hold, ...how }] },
  };
}

function assertAccount(cases: readonly DunningCase[], accountId: string): void {
  const stranger = cases.find((c) => c.accountId !== accountId);
  if (stranger) throw new Error(`dunning case ${stranger.caseId} belongs to account ${stranger.accountId}, not ${accountId}`);
}

function byInstant(a: string, b: string): number {
  return instantToMillis(a) - instantToMillis(b);
}

/** The case with the most recent attempt among `cases`. */
function newestFailure(cases: readonly DunningCase[]): DunningCase {
  const newest = [...cases].sort((a, b) => byInstant(b.lastAttempt.at, a.lastAttempt.at))[0];
  if (!newest) throw new Error('a hold needs at least one case');
  return newest;
}

/** The customer snapshot from the most recent failure among the cases. */
function newestSnapshot(cases: readonly DunningCase[]): CustomerSnapshot {
  return newestFailure(cases).customer;
}
