import { AccountHoldPlacedV1, AccountHoldReleasedV1, ChargeRetryRequestedV1 } from '@billing/events';
import { Step, deciderSpec } from '@billing/testing';
import { ChargeFailure, ChargeSucceededPayload } from './dunning-case';
import {
  AccountDunning,
  ChargeOutcome,
  CollectionsEvent,
  DunningContext,
  DunningInput,
  decideDunning,
} from './dunning-decider';
import { ACCOUNT_ID, DAY_MS, INVOICE_A, INVOICE_B, T0, at, chargeFailed, chargeSucceeded, sequentialIds } from './dunning.fixtures';
import { noHold } from './hold';
import { DunningPolicy, parseDunningPolicy } from './policy';

/**
 * Whole dunning flows through the production decider: charge outcomes as the consumer delivers
 * them, scheduler ticks (due retries, then due holds, as the scheduler runs its two passes), and
 * payments answering each retry request. Every emitted payload must satisfy its contract.
 */
const CONTRACTS = {
  ChargeRetryRequested: ChargeRetryRequestedV1,
  AccountHoldPlaced: AccountHoldPlacedV1,
  AccountHoldReleased: AccountHoldReleasedV1,
};

function checkedDecide(input: DunningInput, state: AccountDunning, context: DunningContext) {
  const decision = decideDunning(input, state, context);
  for (const event of decision.events) CONTRACTS[event.type].schema.parse(event.payload);
  return decision;
}

type Reactions = (event: CollectionsEvent, context: DunningContext) => readonly Step<DunningInput, DunningContext>[];

function dunning(retryOffsets: string, holdGrace: string, reactions?: Reactions) {
  const context = { policy: policyFrom(retryOffsets, holdGrace), now: T0, newId: sequentialIds() };
  return deciderSpec({ decide: checkedDecide, context, reactions });
}

const nobodyOnHold: AccountDunning = { cases: [], hold: noHold(ACCOUNT_ID) };
const CASE_1 = '00000000-0000-4000-8000-000000000001';
const HOLD_2 = '00000000-0000-4000-8000-000000000002';

function policyFrom(retryOffsets: string, holdGrace: string): DunningPolicy {
  const parsed = parseDunningPolicy({ retryOffsets, holdGrace });
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.policy;
}

function failed(overrides: Partial<ChargeFailure> = {}): ChargeOutcome {
  const { accountId, ...payload } = chargeFailed(overrides);
  return { type: 'ChargeFailed', accountId, payload };
}

function succeeded(overrides: Partial<ChargeSucceededPayload> = {}): ChargeOutcome {
  return { type: 'ChargeSucceeded', accountId: ACCOUNT_ID, payload: chargeSucceeded(overrides) };
}

/** Payments declines every retry: it fails `failAfterMs` after the request and reports it `reportAfterMs` after. */
function cardAlwaysDeclines(failAfterMs: number, reportAfterMs: number): Reactions {
  return (event, { now }) =>
    event.type !== 'ChargeRetryRequested'
      ? []
      : [{ command: failed({ attempt: event.payload.attempt, failedAt: at(failAfterMs, now) }), context: { now: at(reportAfterMs, now) } }];
}

/** Payments charges retry `attempt` successfully (reported at once) and declines the ones before it. */
function cardSucceedsOnAttempt(attempt: number): Reactions {
  return (event, { now }) => {
    if (event.type !== 'ChargeRetryRequested') return [];
    const outcome =
      event.payload.attempt === attempt
        ? succeeded({ attempt, succeededAt: now })
        : failed({ attempt: event.payload.attempt, failedAt: now });
    return [{ command: outcome, context: { now } }];
  };
}

function paymentsMustNotRetry(): Reactions {
  return (event) => {
    if (event.type === 'ChargeRetryRequested') throw new Error(`no retry may be requested, got attempt ${event.payload.attempt}`);
    return [];
  };
}

type Scenario = ReturnType<ReturnType<typeof dunning>['given']>;

/** The scheduler's two passes, every `stepMs` from `fromMs` to `untilMs` after T0. */
function schedulerRuns(scenario: Scenario, stepMs: number, untilMs: number, fromMs = 0): Scenario {
  let s = scenario;
  for (let t = fromMs; t <= untilMs; t += stepMs) {
    s = s.when({ type: 'RequestDueRetries' }, { now: at(t) }).when({ type: 'PlaceDueHold' }, { now: at(t) });
  }
  return s;
}

const HOUR_MS = 3_600_000;
const invoiceB = { invoiceId: INVOICE_B, invoiceNumber: 'INV-2026-11-0002', amountMinor: 250 };
const lineA = { invoiceId: INVOICE_A, invoiceNumber: 'INV-2026-11-0001', amountMinor: 1000, currency: 'USD' };
const lineB = { ...invoiceB, currency: 'USD' };

function retryRequested(attempt: number, dueMs: number) {
  return {
    type: 'ChargeRetryRequested',
    payload: { invoiceId: INVOICE_A, dunningCaseId: CASE_1, attempt, scheduledFor: at(dueMs), requestedAt: at(dueMs), reason: 'schedule' },
  };
}

describe('dunning scenarios', () => {
  it('takes a card that always declines through every scheduled retry, then holds the account exactly once', () => {
    // given the default policy and a card that always declines
    const given = dunning('1d,3d,7d', '1d', cardAlwaysDeclines(1000, 2000)).given(nobodyOnHold);
    // when attempt 1 fails and the scheduler runs hourly for ten days
    const when = schedulerRuns(given.when(failed({ attempt: 1, failedAt: T0 }), { now: T0 }), HOUR_MS, 10 * DAY_MS);
    // then retries 2, 3, 4 were requested once each, at +1d, +3d, +7d after the first failure,
    // and attempt 4's failure exhausted the case and placed one hold, with no later duplicate
    when.then(
      [
        retryRequested(2, 1 * DAY_MS),
        retryRequested(3, 3 * DAY_MS),
        retryRequested(4, 7 * DAY_MS),
        {
          type: 'AccountHoldPlaced',
          payload: expect.objectContaining({
            holdId: HOLD_2,
            reason: 'retries_exhausted',
            placedAt: at(7 * DAY_MS + 2000),
            unpaidInvoices: [lineA],
          }),
        },
      ],
      {
        cases: [expect.objectContaining({ status: 'exhausted', attemptsMade: 4, nextRetryAt: null })],
        hold: expect.objectContaining({ activeHold: expect.objectContaining({ holdId: HOLD_2 }) }),
      },
    );
  });

  it('skips retries after a non-retryable failure and holds the account only once the grace has passed', () => {
    // given a one-day grace, and payments that must never be asked to retry
    const spec = dunning('1d,3d,7d', '1d', paymentsMustNotRetry());
    // when attempt 1 fails because the customer must authenticate, and the scheduler runs just before the grace ends
    const inGrace = spec
      .given(nobodyOnHold)
      .when(failed({ retryable: false, errorCode: 'authentication_required', declineCode: null }), { now: T0 })
      .when({ type: 'RequestDueRetries' }, { now: at(DAY_MS - 1) })
      .when({ type: 'PlaceDueHold' }, { now: at(DAY_MS - 1) });
    // then nothing yet: no retry, no hold
    const waiting = inGrace.then([]);
    // when the scheduler runs hourly past the grace
    // then one hold, asking the customer to act, placed at the end of the grace
    schedulerRuns(waiting, HOUR_MS, 3 * DAY_MS).then([
      { type: 'AccountHoldPlaced', payload: expect.objectContaining({ reason: 'payment_action_required', placedAt: at(DAY_MS) }) },
    ]);
  });

  it('schedules one retry when the same ChargeFailed is delivered twice', () => {
    // given
    const given = dunning('1d,3d,7d', '1d').given(nobodyOnHold);
    // when the failure of attempt 1 is redelivered and the scheduler runs for two days
    const when = given.when(failed({ attempt: 1 }), { now: T0 }).when(failed({ attempt: 1 }), { now: at(5000) });
    // then exactly one retry of attempt 2
    schedulerRuns(when, HOUR_MS, 2 * DAY_MS).then([retryRequested(2, DAY_MS)]);
  });

  it('releases the hold exactly once when the invoice is paid after the hold', () => {
    // given an exhausted invoice and a held account
    const held = dunning('2s,4s,6s', '0s')
      .given(nobodyOnHold)
      .when(failed({ attempt: 1 }), { now: T0 })
      .when(failed({ attempt: 4, failedAt: at(6000) }), { now: at(6000) })
      .then([{ type: 'AccountHoldPlaced', payload: expect.objectContaining({ holdId: HOLD_2 }) }]);
    // when the customer pays, the success is delivered twice, and the scheduler runs the next day
    const payment = succeeded({ attempt: 5, succeededAt: at(DAY_MS) });
    const paid = held
      .when(payment, { now: at(DAY_MS) })
      .when(payment, { now: at(DAY_MS + 1) })
      .when({ type: 'RequestDueRetries' }, { now: at(2 * DAY_MS) })
      .when({ type: 'PlaceDueHold' }, { now: at(2 * DAY_MS) });
    // then one release, reason paid, and no new hold
    paid.then(
      [
        {
          type: 'AccountHoldReleased',
          payload: expect.objectContaining({ holdId: HOLD_2, reason: 'paid', releasedAt: at(DAY_MS), releasedBy: null }),
        },
      ],
      { cases: [expect.objectContaining({ status: 'paid' })], hold: expect.objectContaining({ activeHold: null }) },
    );
  });

  it('releases a hold over two unpaid invoices only after both are paid', () => {
    // given invoices A (exhausted) and B (non-retryable, still in grace) of one account, on hold
    const held = dunning('2s,4s,6s', '1d')
      .given(nobodyOnHold)
      .when(failed({ ...invoiceB, retryable: false }), { now: T0 })
      .when(failed({ attempt: 1 }), { now: T0 })
      .when(failed({ attempt: 4, failedAt: at(6000) }), { now: at(6000) })
      .then([{ type: 'AccountHoldPlaced', payload: expect.objectContaining({ unpaidInvoices: [lineA, lineB] }) }]);
    // when A is paid and the scheduler runs
    const halfPaid = held
      .when(succeeded({ attempt: 5, succeededAt: at(DAY_MS) }), { now: at(DAY_MS) })
      .when({ type: 'RequestDueRetries' }, { now: at(DAY_MS + 1) })
      .when({ type: 'PlaceDueHold' }, { now: at(DAY_MS + 1) });
    // then the hold stays
    const stillHeld = halfPaid.then([]);
    // when B is paid too
    // then it is released, once
    stillHeld
      .when(succeeded({ ...invoiceB, attempt: 2, succeededAt: at(2 * DAY_MS) }), { now: at(2 * DAY_MS) })
      .then([{ type: 'AccountHoldReleased', payload: expect.objectContaining({ reason: 'paid', releasedAt: at(2 * DAY_MS) }) }]);
  });

  it('refuses a manual release without a reason, and accepts one with it', () => {
    // given a held account
    const held = dunning('2s,4s,6s', '0s')
      .given(nobodyOnHold)
      .when(failed({ retryable: false }), { now: T0 })
      .then([{ type: 'AccountHoldPlaced', payload: expect.objectContaining({ reason: 'payment_action_required' }) }]);
    // when an admin releases without saying why
    // then a coded error, no event, and the hold stays
    const refused = held
      .when({ type: 'ReleaseHoldManually', by: 'admin@example.com', reason: '' }, { now: at(1000) })
      .thenLastDecision({ events: [], rejection: { code: 'reason_required', message: expect.stringMatching(/^reason: /) } })
      .then([], held.state);
    // when the admin gives a reason
    // then the release is audited
    refused.when({ type: 'ReleaseHoldManually', by: 'admin@example.com', reason: 'card updated by phone' }, { now: at(2000) }).then([
      {
        type: 'AccountHoldReleased',
        payload: expect.objectContaining({
          reason: 'manual',
          releasedBy: 'admin@example.com',
          note: 'card updated by phone',
          releasedAt: at(2000),
        }),
      },
    ]);
  });

  it('runs the whole fast demo policy 2s,4s,6s in seconds of simulated time', () => {
    const given = dunning('2s,4s,6s', '0s', cardAlwaysDeclines(0, 0)).given(nobodyOnHold);
    schedulerRuns(given.when(failed({ attempt: 1 }), { now: T0 }), 500, 10_000).then([
      retryRequested(2, 2000),
      retryRequested(3, 4000),
      retryRequested(4, 6000),
      { type: 'AccountHoldPlaced', payload: expect.objectContaining({ placedAt: at(6000) }) },
    ]);
  });

  it('closes the case when a retry succeeds after failures, with no more retries and no hold', () => {
    // given a card that declines attempts 1 and 2 and goes through on attempt 3
    const given = dunning('1d,3d,7d', '0s', cardSucceedsOnAttempt(3)).given(nobodyOnHold);
    // when attempt 1 fails and the scheduler runs hourly for ten days
    const when = schedulerRuns(given.when(failed({ attempt: 1 }), { now: T0 }), HOUR_MS, 10 * DAY_MS);
    // then only retries 2 and 3 were asked for; the case is paid and the account never held
    when.then([retryRequested(2, DAY_MS), retryRequested(3, 3 * DAY_MS)], {
      cases: [
        expect.objectContaining({
          status: 'paid',
          attemptsMade: 3,
          paidAt: at(3 * DAY_MS),
          nextRetryAt: null,
          nextAttempt: null,
          holdDueAt: null,
        }),
      ],
      hold: noHold(ACCOUNT_ID),
    });
  });

  it('releases the hold exactly once when the last overdue invoice is paid, whatever is redelivered or ticks after', () => {
    // given invoices A and B both exhausted (a policy that never retries) and the account held over both
    const held = dunning('none', '0s')
      .given(nobodyOnHold)
      .when(failed({ attempt: 1 }), { now: T0 })
      .when(failed({ ...invoiceB, attempt: 1 }), { now: at(1000) })
      .then([{ type: 'AccountHoldPlaced', payload: expect.objectContaining({ unpaidInvoices: [lineA] }) }]);
    // when A is paid, then B (the last overdue one), B's success is redelivered and the scheduler runs for two days
    const payB = succeeded({ ...invoiceB, attempt: 2, succeededAt: at(DAY_MS + 1) });
    const paid = schedulerRuns(
      held
        .when(succeeded({ attempt: 2, succeededAt: at(DAY_MS) }), { now: at(DAY_MS) })
        .when(payB, { now: at(DAY_MS + 1) })
        .when(payB, { now: at(DAY_MS + 2) }),
      HOUR_MS,
      3 * DAY_MS,
      DAY_MS + 3,
    );
    // then exactly one release, at B's payment, and nothing else
    const releasedOnce = {
      type: 'AccountHoldReleased',
      payload: expect.objectContaining({ holdId: HOLD_2, reason: 'paid', releasedAt: at(DAY_MS + 1) }),
    };
    paid.then([releasedOnce], {
      cases: [expect.objectContaining({ status: 'paid' }), expect.objectContaining({ status: 'paid' })],
      hold: expect.objectContaining({ activeHold: null, history: [expect.objectContaining({ holdId: HOLD_2, releaseReason: 'paid' })] }),
    });
  });
});
