import { AccountHoldPlacedV1, AccountHoldReleasedV1, ChargeRetryRequestedV1 } from '@billing/events';
import { ChargeFailure, ChargeSucceededPayload, DunningCase, onChargeFailed, onChargeSucceeded } from './dunning-case';
import { ACCOUNT_ID, DAY_MS, INVOICE_A, INVOICE_B, T0, at, chargeFailed, chargeSucceeded, sequentialIds } from './dunning.fixtures';
import { AccountHoldState, decideHold, decideRelease, manualRelease, noHold } from './hold';
import { DunningPolicy, parseDunningPolicy } from './policy';
import { retryDue } from './retry-due';

/**
 * Whole dunning flows, driven the way the collections service will drive the domain: the consumer
 * applies ChargeFailed / ChargeSucceeded and then checks the account's hold; a scheduler ticks the
 * clock, requests due retries and checks the hold again. Every published payload is validated
 * against its contract.
 */
type Published =
  | { type: 'ChargeRetryRequested'; payload: ReturnType<typeof ChargeRetryRequestedV1.schema.parse> }
  | { type: 'AccountHoldPlaced'; payload: ReturnType<typeof AccountHoldPlacedV1.schema.parse> }
  | { type: 'AccountHoldReleased'; payload: ReturnType<typeof AccountHoldReleasedV1.schema.parse> };

type PayloadByType = { [P in Published as P['type']]: P['payload'] };

class Collections {
  readonly cases = new Map<string, DunningCase>();
  hold: AccountHoldState = noHold(ACCOUNT_ID);
  readonly published: Published[] = [];
  private readonly ids = sequentialIds();

  constructor(private readonly policy: DunningPolicy) {}

  chargeFailed(failure: ChargeFailure, now: string): void {
    const decision = onChargeFailed(this.cases.get(failure.invoiceId) ?? null, failure, this.policy, now, this.ids);
    if (decision.changed) this.cases.set(failure.invoiceId, decision.case);
    this.checkHold(now);
  }

  chargeSucceeded(payment: ChargeSucceededPayload, now: string): void {
    const decision = onChargeSucceeded(this.cases.get(payment.invoiceId) ?? null, payment);
    if (decision.changed) this.cases.set(payment.invoiceId, decision.case);
    const release = decideRelease([...this.cases.values()], this.hold, now);
    if (release.released) {
      this.hold = release.state;
      this.published.push({ type: 'AccountHoldReleased', payload: AccountHoldReleasedV1.schema.parse(release.payload) });
    }
  }

  tick(now: string): void {
    for (const c of this.cases.values()) {
      const due = retryDue(c, now);
      if (due.due) {
        this.cases.set(c.invoiceId, due.case);
        this.published.push({ type: 'ChargeRetryRequested', payload: ChargeRetryRequestedV1.schema.parse(due.payload) });
      }
    }
    this.checkHold(now);
  }

  private checkHold(now: string): void {
    const decision = decideHold([...this.cases.values()], this.hold, now, this.ids);
    if (decision.placed) {
      this.hold = decision.state;
      this.published.push({ type: 'AccountHoldPlaced', payload: AccountHoldPlacedV1.schema.parse(decision.payload) });
    }
  }

  of<T extends Published['type']>(type: T): PayloadByType[T][] {
    return this.published.filter((e) => e.type === type).map((e) => e.payload as PayloadByType[T]);
  }
}

function policyFrom(retryOffsets: string, holdGrace: string): DunningPolicy {
  const parsed = parseDunningPolicy({ retryOffsets, holdGrace });
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.policy;
}

/** Runs the scheduler every `stepMs` until `untilMs` after T0; `onRetry` plays the payments service. */
function runScheduler(collections: Collections, stepMs: number, untilMs: number, onRetry: (attempt: number, now: string) => void): void {
  for (let t = 0; t <= untilMs; t += stepMs) {
    const now = at(t);
    const before = collections.published.length;
    collections.tick(now);
    for (const event of collections.published.slice(before)) {
      if (event.type === 'ChargeRetryRequested') onRetry(event.payload.attempt, now);
    }
  }
}

describe('dunning scenarios', () => {
  it('takes a card that always declines through every scheduled retry, then holds the account exactly once', () => {
    // given the default policy and a card that always declines
    const collections = new Collections(policyFrom('1d,3d,7d', '1d'));
    const declines = (attempt: number, now: string) =>
      collections.chargeFailed(chargeFailed({ attempt, failedAt: at(1000, now) }), at(2000, now));

    // when attempt 1 fails and the scheduler runs hourly for ten days
    collections.chargeFailed(chargeFailed({ attempt: 1, failedAt: T0 }), T0);
    runScheduler(collections, 3_600_000, 10 * DAY_MS, declines);

    // then retries 2, 3, 4 were requested once each, at +1d, +3d, +7d after the first failure
    const caseId = collections.cases.get(INVOICE_A)?.caseId;
    expect(collections.of('ChargeRetryRequested')).toEqual([
      { invoiceId: INVOICE_A, dunningCaseId: caseId, attempt: 2, scheduledFor: at(1 * DAY_MS), requestedAt: at(1 * DAY_MS) },
      { invoiceId: INVOICE_A, dunningCaseId: caseId, attempt: 3, scheduledFor: at(3 * DAY_MS), requestedAt: at(3 * DAY_MS) },
      { invoiceId: INVOICE_A, dunningCaseId: caseId, attempt: 4, scheduledFor: at(7 * DAY_MS), requestedAt: at(7 * DAY_MS) },
    ]);
    // and attempt 4's failure exhausted the case and placed one hold, with no later duplicate
    expect(collections.cases.get(INVOICE_A)).toMatchObject({ status: 'exhausted', attemptsMade: 4, nextRetryAt: null });
    expect(collections.of('AccountHoldPlaced')).toEqual([
      expect.objectContaining({
        reason: 'retries_exhausted',
        placedAt: at(7 * DAY_MS + 2000),
        unpaidInvoices: [{ invoiceId: INVOICE_A, invoiceNumber: 'INV-2026-11-0001', amountMinor: 1000, currency: 'USD' }],
      }),
    ]);
  });

  it('skips retries after a non-retryable failure and holds the account only once the grace has passed', () => {
    // given a one-day grace
    const collections = new Collections(policyFrom('1d,3d,7d', '1d'));
    // when attempt 1 fails because the customer must authenticate
    collections.chargeFailed(chargeFailed({ retryable: false, errorCode: 'authentication_required', declineCode: null }), T0);
    collections.tick(at(DAY_MS - 1));
    // then nothing yet: no retry, no hold
    expect(collections.published).toEqual([]);
    // when the grace has passed
    runScheduler(collections, 3_600_000, 3 * DAY_MS, () => {
      throw new Error('no retry may be requested');
    });
    // then one hold, asking the customer to act, placed at the end of the grace
    expect(collections.published.map((e) => e.type)).toEqual(['AccountHoldPlaced']);
    expect(collections.of('AccountHoldPlaced')[0]).toMatchObject({ reason: 'payment_action_required', placedAt: at(DAY_MS) });
  });

  it('schedules one retry when the same ChargeFailed is delivered twice', () => {
    // given
    const collections = new Collections(policyFrom('1d,3d,7d', '1d'));
    // when the failure of attempt 1 is redelivered
    collections.chargeFailed(chargeFailed({ attempt: 1 }), T0);
    collections.chargeFailed(chargeFailed({ attempt: 1 }), at(5000));
    runScheduler(collections, 3_600_000, 2 * DAY_MS, () => undefined);
    // then exactly one retry of attempt 2
    expect(collections.of('ChargeRetryRequested').map((p) => p.attempt)).toEqual([2]);
  });

  it('releases the hold exactly once when the invoice is paid after the hold', () => {
    // given an exhausted invoice and a held account
    const collections = new Collections(policyFrom('2s,4s,6s', '0s'));
    collections.chargeFailed(chargeFailed({ attempt: 1 }), T0);
    collections.chargeFailed(chargeFailed({ attempt: 4, failedAt: at(6000) }), at(6000));
    expect(collections.of('AccountHoldPlaced')).toHaveLength(1);
    // when the customer pays, and the success is delivered twice
    const payment = chargeSucceeded({ attempt: 5, succeededAt: at(DAY_MS) });
    collections.chargeSucceeded(payment, at(DAY_MS));
    collections.chargeSucceeded(payment, at(DAY_MS + 1));
    collections.tick(at(2 * DAY_MS));
    // then one release, reason paid, and no new hold
    const holdId = collections.of('AccountHoldPlaced')[0].holdId;
    expect(collections.of('AccountHoldReleased')).toEqual([
      expect.objectContaining({ holdId, reason: 'paid', releasedAt: at(DAY_MS), releasedBy: null }),
    ]);
    expect(collections.of('AccountHoldPlaced')).toHaveLength(1);
  });

  it('releases a hold over two unpaid invoices only after both are paid', () => {
    // given invoices A (exhausted) and B (non-retryable, still in grace) of one account, on hold
    const collections = new Collections(policyFrom('2s,4s,6s', '1d'));
    const b = { invoiceId: INVOICE_B, invoiceNumber: 'INV-2026-11-0002', amountMinor: 250 };
    collections.chargeFailed(chargeFailed({ ...b, retryable: false }), T0);
    collections.chargeFailed(chargeFailed({ attempt: 1 }), T0);
    collections.chargeFailed(chargeFailed({ attempt: 4, failedAt: at(6000) }), at(6000));
    expect(collections.of('AccountHoldPlaced')).toEqual([
      expect.objectContaining({ unpaidInvoices: [expect.objectContaining({ invoiceId: INVOICE_A }), expect.objectContaining({ invoiceId: INVOICE_B })] }),
    ]);
    // when A is paid
    collections.chargeSucceeded(chargeSucceeded({ attempt: 5, succeededAt: at(DAY_MS) }), at(DAY_MS));
    collections.tick(at(DAY_MS + 1));
    // then the hold stays
    expect(collections.of('AccountHoldReleased')).toEqual([]);
    // when B is paid too
    collections.chargeSucceeded(chargeSucceeded({ ...b, attempt: 2, succeededAt: at(2 * DAY_MS) }), at(2 * DAY_MS));
    // then it is released, once
    expect(collections.of('AccountHoldReleased')).toEqual([expect.objectContaining({ reason: 'paid', releasedAt: at(2 * DAY_MS) })]);
  });

  it('refuses a manual release without a reason, and accepts one with it', () => {
    // given a held account
    const collections = new Collections(policyFrom('2s,4s,6s', '0s'));
    collections.chargeFailed(chargeFailed({ retryable: false }), T0);
    expect(collections.hold.activeHold).not.toBeNull();
    // when an admin releases without saying why
    const refused = manualRelease(collections.hold, { by: 'admin@example.com', reason: '' }, at(1000));
    // then a coded error and the hold stays
    expect(refused).toEqual({ ok: false, error: { code: 'reason_required', message: expect.stringMatching(/^reason: /) } });
    // when the admin gives a reason
    const accepted = manualRelease(collections.hold, { by: 'admin@example.com', reason: 'card updated by phone' }, at(2000));
    // then the release is audited
    expect(accepted).toMatchObject({
      ok: true,
      payload: { reason: 'manual', releasedBy: 'admin@example.com', note: 'card updated by phone', releasedAt: at(2000) },
    });
  });

  it('runs the whole fast demo policy 2s,4s,6s in seconds of simulated time', () => {
    const collections = new Collections(policyFrom('2s,4s,6s', '0s'));
    collections.chargeFailed(chargeFailed({ attempt: 1 }), T0);
    runScheduler(collections, 500, 10_000, (attempt, now) => collections.chargeFailed(chargeFailed({ attempt, failedAt: now }), now));
    expect(collections.of('ChargeRetryRequested').map((p) => [p.attempt, p.scheduledFor])).toEqual([
      [2, at(2000)],
      [3, at(4000)],
      [4, at(6000)],
    ]);
    expect(collections.of('AccountHoldPlaced')).toEqual([expect.objectContaining({ placedAt: at(6000) })]);
  });
});
