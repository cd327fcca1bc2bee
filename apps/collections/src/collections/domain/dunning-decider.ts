import {
  CaseChange,
  CaseUnchangedReason,
  ChargeFailedPayload,
  ChargeSucceededPayload,
  DunningCase,
  onChargeFailed,
  onChargeSucceeded,
} from './dunning-case';
import {
  AccountHoldPlacedPayload,
  AccountHoldReleasedPayload,
  AccountHoldState,
  ManualReleaseErrorCode,
  decideHold,
  decideRelease,
  holdCause,
  manualRelease,
} from './hold';
import { DunningPolicy } from './policy';
import { ChargeRetryRequestedPayload, retryDue } from './retry-due';

/**
 * Collections as deciders, Emmett-style: each reaction is `decide(input, state, context) →
 * { state, events }`, pure (the clock and new ids come in through the context). A use case loads
 * the state, calls one decider, saves the state it returns and appends the events to the outbox.
 */

/** A charge outcome from payments, as collections reads it (the envelope fits this shape). */
export type ChargeOutcome =
  | { readonly type: 'ChargeFailed'; readonly accountId: string; readonly payload: ChargeFailedPayload }
  | { readonly type: 'ChargeSucceeded'; readonly accountId: string; readonly payload: ChargeSucceededPayload };

/** The scheduler asks for the retries that are due. */
export interface RequestDueRetries {
  readonly type: 'RequestDueRetries';
}

/** The scheduler asks whether the account's hold is due (a grace has passed). */
export interface PlaceDueHold {
  readonly type: 'PlaceDueHold';
}

/** An admin lifts the account's hold before its invoices are paid. */
export interface ReleaseHoldManually {
  readonly type: 'ReleaseHoldManually';
  /** Who releases it (admin user id or email). */
  readonly by: string;
  /** Why: kept in the audit history and sent as the event's note. */
  readonly reason: string;
}

export type DunningInput = ChargeOutcome | RequestDueRetries | PlaceDueHold | ReleaseHoldManually;

export interface ChargeRetryRequested {
  readonly type: 'ChargeRetryRequested';
  readonly payload: ChargeRetryRequestedPayload;
}

export interface AccountHoldPlaced {
  readonly type: 'AccountHoldPlaced';
  readonly payload: AccountHoldPlacedPayload;
}

export interface AccountHoldReleased {
  readonly type: 'AccountHoldReleased';
  readonly payload: AccountHoldReleasedPayload;
}

/** What collections emits: plain data; the use case wraps each one in an envelope. */
export type CollectionsEvent = ChargeRetryRequested | AccountHoldPlaced | AccountHoldReleased;

/**
 * One account's dunning: its hold, and its cases — every unpaid one, plus the paid ones its
 * active hold lists or the input names. A case the decision does not touch comes back as it came.
 */
export interface AccountDunning {
  readonly cases: readonly DunningCase[];
  readonly hold: AccountHoldState;
}

export interface DunningContext {
  readonly policy: DunningPolicy;
  /** The instant of the decision (ISO 8601, UTC). */
  readonly now: string;
  /** A new unique id (case ids, hold ids). */
  readonly newId: () => string;
}

export interface Decision<S, E extends CollectionsEvent = CollectionsEvent> {
  readonly state: S;
  readonly events: readonly E[];
}

export type CaseOutcome =
  | { readonly changed: true; readonly change: CaseChange }
  | { readonly changed: false; readonly reason: CaseUnchangedReason };

export interface ChargeOutcomeDecision extends Decision<AccountDunning, AccountHoldPlaced | AccountHoldReleased> {
  /** What happened to the invoice's case (for the log). */
  readonly caseOutcome: CaseOutcome;
}

/**
 * A charge failed or succeeded: the invoice's case is opened or moved on (retry scheduled,
 * exhausted, waiting for the customer, paid); then, when the case changed, the account's hold is
 * placed (a failure made it due now) or released (a payment left nothing unpaid). An outcome that
 * changes no case (redelivered, stale, already paid) changes nothing else either.
 */
export function decideOnChargeOutcome(
  event: ChargeOutcome,
  state: AccountDunning,
  { policy, now, newId }: DunningContext,
): ChargeOutcomeDecision {
  const current = state.cases.find((c) => c.invoiceId === event.payload.invoiceId) ?? null;
  const decision =
    event.type === 'ChargeFailed'
      ? onChargeFailed(current, { ...event.payload, accountId: event.accountId }, policy, now, newId)
      : onChargeSucceeded(current, event.payload);
  if (!decision.changed) return { state, events: [], caseOutcome: { changed: false, reason: decision.reason } };

  const changed = decision.case;
  const cases = current === null ? [...state.cases, changed] : state.cases.map((c) => (c === current ? changed : c));
  const caseOutcome: CaseOutcome = { changed: true, change: decision.change };

  if (event.type === 'ChargeFailed') {
    const hold = decideHold(cases, state.hold, now, newId);
    if (!hold.placed) return { state: { ...state, cases }, events: [], caseOutcome };
    return { state: { cases, hold: hold.state }, events: [{ type: 'AccountHoldPlaced', payload: hold.payload }], caseOutcome };
  }
  const release = decideRelease(cases, state.hold, now);
  if (!release.released) return { state: { ...state, cases }, events: [], caseOutcome };
  return { state: { cases, hold: release.state }, events: [{ type: 'AccountHoldReleased', payload: release.payload }], caseOutcome };
}

/**
 * The scheduler's retry pass over some cases (of any accounts): each case whose next retry is due
 * is marked requested and its ChargeRetryRequested emitted, so a second pass before the outcome
 * arrives does not ask payments twice.
 */
export function decideDueRetries<S extends { readonly cases: readonly DunningCase[] }>(
  _command: RequestDueRetries,
  state: S,
  { now }: Pick<DunningContext, 'now'>,
): Decision<S, ChargeRetryRequested> {
  const events: ChargeRetryRequested[] = [];
  const cases = state.cases.map((c) => {
    const due = retryDue(c, now);
    if (!due.due) return c;
    events.push({ type: 'ChargeRetryRequested', payload: due.payload });
    return due.case;
  });
  return { state: { ...state, cases }, events };
}

export interface DueHoldDecision extends Decision<AccountDunning, AccountHoldPlaced> {
  /** The invoice whose failure made the placed hold due (the newest due one); null when none was placed. */
  readonly causedBy: string | null;
}

/** The scheduler's hold pass over one account: places the hold once some case's hold time has passed. */
export function decideDueHold(
  _command: PlaceDueHold,
  state: AccountDunning,
  { now, newId }: Pick<DunningContext, 'now' | 'newId'>,
): DueHoldDecision {
  const hold = decideHold(state.cases, state.hold, now, newId);
  if (!hold.placed) return { state, events: [], causedBy: null };
  return {
    state: { ...state, hold: hold.state },
    events: [{ type: 'AccountHoldPlaced', payload: hold.payload }],
    causedBy: holdCause(state.cases, now).invoiceId,
  };
}

export interface ManualReleaseOutcome<S> extends Decision<S, AccountHoldReleased> {
  /** Why nothing was released (state and events then unchanged and empty); null when released. */
  readonly rejection: { readonly code: ManualReleaseErrorCode; readonly message: string } | null;
}

/** An admin lifts the hold: audited (who, when, why); refused, as a coded value, when there is none. */
export function decideManualRelease<S extends { readonly hold: AccountHoldState }>(
  command: ReleaseHoldManually,
  state: S,
  { now }: Pick<DunningContext, 'now'>,
): ManualReleaseOutcome<S> {
  const decision = manualRelease(state.hold, { by: command.by, reason: command.reason }, now);
  if (!decision.ok) return { state, events: [], rejection: decision.error };
  return {
    state: { ...state, hold: decision.state },
    events: [{ type: 'AccountHoldReleased', payload: decision.payload }],
    rejection: null,
  };
}

/** The account's whole dunning as one decider: each input goes to its reaction above. */
export function decideDunning(input: DunningInput, state: AccountDunning, context: DunningContext): Decision<AccountDunning> {
  switch (input.type) {
    case 'ChargeFailed':
    case 'ChargeSucceeded':
      return decideOnChargeOutcome(input, state, context);
    case 'RequestDueRetries':
      return decideDueRetries(input, state, context);
    case 'PlaceDueHold':
      return decideDueHold(input, state, context);
    case 'ReleaseHoldManually':
      return decideManualRelease(input, state, context);
  }
}
