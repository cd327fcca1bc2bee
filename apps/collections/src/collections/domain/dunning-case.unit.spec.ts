import { ChargeRetryRequestedV1 } from '@billing/events';
import { DunningCase, onChargeFailed, onChargeSucceeded } from './dunning-case';
import { ACCOUNT_ID, DAY_MS, INVOICE_A, INVOICE_B, T0, at, chargeFailed, chargeSucceeded, sequentialIds } from './dunning.fixtures';
import { DEFAULT_DUNNING_POLICY } from './policy';
import { retryDue } from './retry-due';

const policy = DEFAULT_DUNNING_POLICY;

function opened(overrides: Parameters<typeof chargeFailed>[0] = {}): DunningCase {
  const decision = onChargeFailed(null, chargeFailed(overrides), policy, T0, sequentialIds());
  if (!decision.changed) throw new Error('expected the first failure to open a case');
  return decision.case;
}

describe('onChargeFailed', () => {
  it('opens a case on the first failure and schedules attempt 2 one day later', () => {
    // given no case / when attempt 1 fails
    const decision = onChargeFailed(null, chargeFailed(), policy, T0, sequentialIds());
    // then
    expect(decision).toMatchObject({
      changed: true,
      change: 'retry_scheduled',
      case: {
        caseId: '00000000-0000-4000-8000-000000000001',
        invoiceId: INVOICE_A,
        invoiceNumber: 'INV-2026-11-0001',
        accountId: ACCOUNT_ID,
        amountMinor: 1000,
        currency: 'USD',
        firstFailedAt: T0,
        dueAt: '2026-12-15T08:00:00.000Z',
        attemptsMade: 1,
        lastAttempt: { attempt: 1, outcome: 'failed', at: T0, declineCode: 'insufficient_funds', retryable: true },
        status: 'retrying',
        nextAttempt: 2,
        nextRetryAt: at(DAY_MS),
        retryRequestedAt: null,
        holdDueAt: null,
        paidAt: null,
      },
    });
  });

  it('schedules each retry from the first failure, not from the previous attempt', () => {
    // given attempt 2 ran late, 30 hours after the first failure
    const state = opened();
    // when attempt 2 fails
    const decision = onChargeFailed(state, chargeFailed({ attempt: 2, failedAt: at(30 * 3_600_000) }), policy, at(30 * 3_600_000), sequentialIds());
    // then attempt 3 is still at first failure + 3 days
    expect(decision).toMatchObject({ changed: true, case: { nextAttempt: 3, nextRetryAt: at(3 * DAY_MS), firstFailedAt: T0 } });
  });

  it('ignores a redelivered failure for an attempt already seen', () => {
    // given
    const state = opened();
    // when the same failure arrives again
    const decision = onChargeFailed(state, chargeFailed(), policy, at(1000), sequentialIds());
    // then
    expect(decision).toEqual({ changed: false, reason: 'duplicate_attempt', case: state });
  });

  it('ignores a stale failure for an older attempt', () => {
    const afterTwo = onChargeFailed(opened(), chargeFailed({ attempt: 2, failedAt: at(DAY_MS) }), policy, at(DAY_MS), sequentialIds());
    if (!afterTwo.changed) throw new Error('expected attempt 2 to be recorded');
    const decision = onChargeFailed(afterTwo.case, chargeFailed({ attempt: 1 }), policy, at(DAY_MS + 1), sequentialIds());
    expect(decision).toMatchObject({ changed: false, reason: 'duplicate_attempt' });
  });

  it('asks the customer to act, with no retry and a hold due after the grace, when the failure is not retryable', () => {
    // when attempt 1 fails with a non-retryable error
    const decision = onChargeFailed(
      null,
      chargeFailed({ retryable: false, errorCode: 'authentication_required', declineCode: null }),
      policy,
      at(5000),
      sequentialIds(),
    );
    // then
    expect(decision).toMatchObject({
      changed: true,
      change: 'action_required',
      case: { status: 'action_required', nextRetryAt: null, nextAttempt: null, holdDueAt: at(DAY_MS) },
    });
  });

  it('exhausts the case with the hold due now when the last scheduled attempt fails', () => {
    // given attempts 1–3 failed
    let state = opened();
    for (const attempt of [2, 3]) {
      const d = onChargeFailed(state, chargeFailed({ attempt }), policy, T0, sequentialIds());
      if (!d.changed) throw new Error('expected a change');
      state = d.case;
    }
    // when attempt 4 fails
    const now = at(7 * DAY_MS + 2000);
    const decision = onChargeFailed(state, chargeFailed({ attempt: 4, failedAt: at(7 * DAY_MS + 1000) }), policy, now, sequentialIds());
    // then
    expect(decision).toMatchObject({
      changed: true,
      change: 'exhausted',
      case: { status: 'exhausted', attemptsMade: 4, nextRetryAt: null, nextAttempt: null, holdDueAt: now },
    });
  });

  it('exhausts at once under a policy that never retries', () => {
    const decision = onChargeFailed(null, chargeFailed(), { retryOffsetsMs: [], holdGraceMs: 0 }, T0, sequentialIds());
    expect(decision).toMatchObject({ changed: true, change: 'exhausted', case: { status: 'exhausted', holdDueAt: T0 } });
  });

  it('changes nothing when a failure arrives for a paid case', () => {
    const paid = onChargeSucceeded(opened(), chargeSucceeded());
    if (!paid.changed) throw new Error('expected the case to be paid');
    const decision = onChargeFailed(paid.case, chargeFailed({ attempt: 3 }), policy, at(2 * DAY_MS), sequentialIds());
    expect(decision).toEqual({ changed: false, reason: 'already_paid', case: paid.case });
  });

  it('refuses, as a bug, a failure of another invoice', () => {
    expect(() => onChargeFailed(opened(), chargeFailed({ invoiceId: INVOICE_B }), policy, T0, sequentialIds())).toThrow(
      /invoice/,
    );
  });
});

describe('onChargeSucceeded', () => {
  it('marks the case paid and cancels the pending retry', () => {
    // given a retry is scheduled
    const state = opened();
    // when the invoice is paid
    const decision = onChargeSucceeded(state, chargeSucceeded({ attempt: 2, succeededAt: at(DAY_MS + 500) }));
    // then
    expect(decision).toMatchObject({
      changed: true,
      change: 'paid',
      case: { status: 'paid', nextRetryAt: null, nextAttempt: null, holdDueAt: null, paidAt: at(DAY_MS + 500), attemptsMade: 2 },
    });
    if (decision.changed) expect(retryDue(decision.case, at(2 * DAY_MS))).toEqual({ due: false, reason: 'no_retry_scheduled' });
  });

  it('reports no case when the invoice never failed', () => {
    expect(onChargeSucceeded(null, chargeSucceeded({ attempt: 1 }))).toEqual({ changed: false, reason: 'no_case', case: null });
  });

  it('changes nothing when the success is redelivered', () => {
    const paid = onChargeSucceeded(opened(), chargeSucceeded());
    if (!paid.changed) throw new Error('expected the case to be paid');
    expect(onChargeSucceeded(paid.case, chargeSucceeded())).toEqual({ changed: false, reason: 'already_paid', case: paid.case });
  });
});

describe('retryDue', () => {
  it('is not due before nextRetryAt', () => {
    expect(retryDue(opened(), at(DAY_MS - 1))).toEqual({ due: false, reason: 'not_due' });
  });

  it('requests the next attempt at nextRetryAt with a payload that satisfies the contract', () => {
    // given
    const state = opened();
    // when the scheduler ticks a little after the retry time
    const decision = retryDue(state, at(DAY_MS + 250));
    // then
    expect(decision).toEqual({
      due: true,
      payload: {
        invoiceId: INVOICE_A,
        dunningCaseId: state.caseId,
        attempt: 2,
        scheduledFor: at(DAY_MS),
        requestedAt: at(DAY_MS + 250),
        reason: 'schedule',
      },
      case: { ...state, retryRequestedAt: at(DAY_MS + 250) },
    });
    if (decision.due) expect(ChargeRetryRequestedV1.schema.safeParse(decision.payload).success).toBe(true);
  });

  it('does not request the same attempt twice while its outcome is awaited', () => {
    const first = retryDue(opened(), at(DAY_MS));
    if (!first.due) throw new Error('expected the retry to be due');
    expect(retryDue(first.case, at(DAY_MS + 60_000))).toEqual({ due: false, reason: 'already_requested' });
  });

  it('has nothing to request for a case waiting on the customer', () => {
    const decision = onChargeFailed(null, chargeFailed({ retryable: false }), policy, T0, sequentialIds());
    if (!decision.changed) throw new Error('expected a case');
    expect(retryDue(decision.case, at(30 * DAY_MS))).toEqual({ due: false, reason: 'no_retry_scheduled' });
  });
});
