import { AccountHoldPlacedV1, AccountHoldReleasedV1 } from '@billing/events';
import { DunningCase, onChargeFailed, onChargeSucceeded } from './dunning-case';
import { ACCOUNT_ID, DAY_MS, INVOICE_A, INVOICE_B, T0, at, chargeFailed, chargeSucceeded, sequentialIds } from './dunning.fixtures';
import { AccountHoldState, decideHold, decideRelease, manualRelease, noHold } from './hold';
import { DEFAULT_DUNNING_POLICY } from './policy';

const policy = DEFAULT_DUNNING_POLICY;
const ids = sequentialIds();

function failed(overrides: Parameters<typeof chargeFailed>[0], now = T0, state: DunningCase | null = null): DunningCase {
  const d = onChargeFailed(state, chargeFailed(overrides), policy, now, ids);
  if (!d.changed) throw new Error(`expected a change, got ${d.reason}`);
  return d.case;
}

function paid(state: DunningCase, succeededAt: string): DunningCase {
  const d = onChargeSucceeded(state, chargeSucceeded({ invoiceId: state.invoiceId, invoiceNumber: state.invoiceNumber, succeededAt }));
  if (!d.changed) throw new Error(`expected a change, got ${d.reason}`);
  return d.case;
}

const exhaustedA = () => failed({ attempt: 4, retryable: true }, at(7 * DAY_MS), failed({ attempt: 1 }));
const retryingB = () =>
  failed({ invoiceId: INVOICE_B, invoiceNumber: 'INV-2026-11-0002', amountMinor: 250, dueAt: '2026-12-20T08:00:00.000Z' });

function held(cases: DunningCase[], now: string): AccountHoldState {
  const d = decideHold(cases, noHold(ACCOUNT_ID), now, ids);
  if (!d.placed) throw new Error(`expected a hold, got ${d.reason}`);
  return d.state;
}

describe('decideHold', () => {
  it('places nothing while every case is still retrying', () => {
    expect(decideHold([failed({ attempt: 1 })], noHold(ACCOUNT_ID), at(DAY_MS), ids)).toEqual({
      placed: false,
      reason: 'nothing_due',
      nextHoldDueAt: null,
    });
  });

  it('places a hold listing every unpaid invoice of the account when one case is exhausted', () => {
    // given invoice A is exhausted and invoice B is still retrying
    const cases = [retryingB(), exhaustedA()];
    // when
    const decision = decideHold(cases, noHold(ACCOUNT_ID), at(7 * DAY_MS), sequentialIds());
    // then
    expect(decision).toEqual({
      placed: true,
      payload: {
        holdId: '00000000-0000-4000-8000-000000000001',
        reason: 'retries_exhausted',
        unpaidInvoices: [
          { invoiceId: INVOICE_A, invoiceNumber: 'INV-2026-11-0001', amountMinor: 1000, currency: 'USD' },
          { invoiceId: INVOICE_B, invoiceNumber: 'INV-2026-11-0002', amountMinor: 250, currency: 'USD' },
        ],
        placedAt: at(7 * DAY_MS),
        customer: cases[1].customer,
      },
      state: {
        accountId: ACCOUNT_ID,
        activeHold: {
          holdId: '00000000-0000-4000-8000-000000000001',
          placedAt: at(7 * DAY_MS),
          reason: 'retries_exhausted',
          invoiceIds: [INVOICE_A, INVOICE_B],
          customer: cases[1].customer,
        },
        history: [],
      },
    });
    if (decision.placed) expect(AccountHoldPlacedV1.schema.safeParse(decision.payload).success).toBe(true);
  });

  it('leaves paid invoices off the hold', () => {
    const decision = decideHold([paid(retryingB(), at(DAY_MS)), exhaustedA()], noHold(ACCOUNT_ID), at(7 * DAY_MS), ids);
    expect(decision).toMatchObject({ placed: true, payload: { unpaidInvoices: [{ invoiceId: INVOICE_A }] } });
  });

  it('waits out the grace of a non-retryable failure and says when to look again', () => {
    // given a non-retryable failure at T0 with a one-day grace
    const cases = [failed({ retryable: false })];
    // when / then
    expect(decideHold(cases, noHold(ACCOUNT_ID), at(DAY_MS - 1), ids)).toEqual({
      placed: false,
      reason: 'nothing_due',
      nextHoldDueAt: at(DAY_MS),
    });
    expect(decideHold(cases, noHold(ACCOUNT_ID), at(DAY_MS), ids)).toMatchObject({
      placed: true,
      payload: { reason: 'payment_action_required', placedAt: at(DAY_MS) },
    });
  });

  it('never places a second hold while one is active', () => {
    const cases = [exhaustedA()];
    const state = held(cases, at(7 * DAY_MS));
    expect(decideHold(cases, state, at(8 * DAY_MS), ids)).toEqual({ placed: false, reason: 'hold_active', nextHoldDueAt: null });
  });

  it('refuses, as a bug, cases of another account', () => {
    const stranger = { ...exhaustedA(), accountId: '99999999-9999-4999-8999-999999999999' };
    expect(() => decideHold([stranger], noHold(ACCOUNT_ID), at(7 * DAY_MS), ids)).toThrow(/account/);
  });
});

describe('decideRelease', () => {
  it('releases the hold, reason paid, once the held invoice is paid', () => {
    // given
    const a = exhaustedA();
    const state = held([a], at(7 * DAY_MS));
    // when
    const decision = decideRelease([paid(a, at(8 * DAY_MS))], state, at(8 * DAY_MS + 10));
    // then
    expect(decision).toMatchObject({
      released: true,
      payload: { holdId: state.activeHold?.holdId, reason: 'paid', releasedAt: at(8 * DAY_MS + 10), releasedBy: null, note: null },
      state: { activeHold: null, history: [{ holdId: state.activeHold?.holdId, releaseReason: 'paid', releasedAt: at(8 * DAY_MS + 10) }] },
    });
    if (decision.released) expect(AccountHoldReleasedV1.schema.safeParse(decision.payload).success).toBe(true);
  });

  it('keeps the hold while another invoice of the account is unpaid', () => {
    const a = exhaustedA();
    const b = retryingB();
    const state = held([a, b], at(7 * DAY_MS));
    expect(decideRelease([paid(a, at(8 * DAY_MS)), b], state, at(8 * DAY_MS))).toEqual({
      released: false,
      reason: 'unpaid_invoices_remain',
      unpaidInvoiceIds: [INVOICE_B],
    });
  });

  it('keeps the hold when a held invoice has no case in the input', () => {
    const a = exhaustedA();
    const state = held([a, retryingB()], at(7 * DAY_MS));
    expect(decideRelease([paid(a, at(8 * DAY_MS))], state, at(8 * DAY_MS))).toMatchObject({
      released: false,
      unpaidInvoiceIds: [INVOICE_B],
    });
  });

  it('has nothing to release when the account is not held', () => {
    expect(decideRelease([], noHold(ACCOUNT_ID), T0)).toEqual({ released: false, reason: 'no_active_hold', unpaidInvoiceIds: [] });
  });
});

describe('manualRelease', () => {
  it('releases with who and why, and keeps them in the history', () => {
    // given
    const state = held([exhaustedA()], at(7 * DAY_MS));
    // when
    const decision = manualRelease(state, { by: 'admin@example.com', reason: ' Customer paid by bank transfer ' }, at(9 * DAY_MS));
    // then
    expect(decision).toMatchObject({
      ok: true,
      payload: {
        holdId: state.activeHold?.holdId,
        reason: 'manual',
        releasedAt: at(9 * DAY_MS),
        releasedBy: 'admin@example.com',
        note: 'Customer paid by bank transfer',
      },
      state: {
        activeHold: null,
        history: [{ releaseReason: 'manual', releasedBy: 'admin@example.com', note: 'Customer paid by bank transfer' }],
      },
    });
    if (decision.ok) expect(AccountHoldReleasedV1.schema.safeParse(decision.payload).success).toBe(true);
  });

  it.each([
    ['an empty reason', { by: 'admin@example.com', reason: '' }, 'reason_required'],
    ['a blank reason', { by: 'admin@example.com', reason: '   ' }, 'reason_required'],
    ['a missing reason', { by: 'admin@example.com' }, 'reason_required'],
    ['nobody named', { by: '', reason: 'goodwill' }, 'released_by_required'],
  ])('refuses a release with %s', (_, request, code) => {
    const state = held([exhaustedA()], at(7 * DAY_MS));
    const decision = manualRelease(state, request as { by: string; reason: string }, at(9 * DAY_MS));
    expect(decision).toMatchObject({ ok: false, error: { code } });
  });

  it('refuses when the account is not held', () => {
    expect(manualRelease(noHold(ACCOUNT_ID), { by: 'admin@example.com', reason: 'goodwill' }, T0)).toMatchObject({
      ok: false,
      error: { code: 'no_active_hold' },
    });
  });

  it('is not undone by the next hold check, but a newly due invoice holds the account again', () => {
    // given A's hold was released by hand
    const a = exhaustedA();
    const released = manualRelease(held([a], at(7 * DAY_MS)), { by: 'admin', reason: 'goodwill' }, at(8 * DAY_MS));
    if (!released.ok) throw new Error(released.error.code);
    // when the scheduler checks again
    expect(decideHold([a], released.state, at(8 * DAY_MS + 1), ids)).toMatchObject({ placed: false, reason: 'nothing_due' });
    // then a later invoice that exhausts holds the account, listing both unpaid invoices
    const b = failed({ invoiceId: INVOICE_B, invoiceNumber: 'INV-2026-12-0001', attempt: 4 }, at(40 * DAY_MS), retryingB());
    const again = decideHold([a, b], released.state, at(40 * DAY_MS), ids);
    expect(again).toMatchObject({ placed: true, payload: { unpaidInvoices: [{ invoiceId: INVOICE_A }, { invoiceId: INVOICE_B }] } });
  });
});
