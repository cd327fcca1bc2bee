import { AccountHoldPlacedV1, AccountHoldReleasedV1, ChargeRetryRequestedV1 } from '@billing/events';
import { deciderSpec } from '@billing/testing';
import { CurrencyCode } from '@billing/money';
import { ChargeFailure, ChargeSucceededPayload } from './dunning-case';
import { DunningContext } from './dunning-decider';
import { ACCOUNT_ID, DAY_MS, INVOICE_A, INVOICE_B, T0, at, chargeFailed, chargeSucceeded, sequentialIds } from './dunning.fixtures';
import { noHold } from './hold';
import { ChargeSkippedPayload, CreditNoteSettledPayload, InvoiceGeneratedPayload, PaymentRecordedPayload } from './invoice-collection';
import { CollectionsInput, decideCollections } from './collections-decider';
import { AccountCollections, decidePayNow } from './payment-recovery-decider';
import { parseDunningPolicy } from './policy';

/**
 * Paying out of dunning through the production deciders: a new payment method, pay now, offline
 * payments and skipped charges, with the scheduler's passes in between. Every emitted payload
 * must satisfy its contract.
 */
const CONTRACTS = { ChargeRetryRequested: ChargeRetryRequestedV1, AccountHoldPlaced: AccountHoldPlacedV1, AccountHoldReleased: AccountHoldReleasedV1 };

function checkedDecide(input: CollectionsInput, state: AccountCollections, context: DunningContext) {
  const decision = decideCollections(input, state, context);
  for (const event of decision.events) CONTRACTS[event.type].schema.parse(event.payload);
  return decision;
}

function collections(retryOffsets = '1d,3d,7d', holdGrace = '0s') {
  const parsed = parseDunningPolicy({ retryOffsets, holdGrace });
  if (!parsed.ok) throw new Error(parsed.error.message);
  return deciderSpec({ decide: checkedDecide, context: { policy: parsed.policy, now: T0, newId: sequentialIds() } });
}

const nothingKnown: AccountCollections = { cases: [], hold: noHold(ACCOUNT_ID), method: null, invoices: [] };
const CASE_1 = '00000000-0000-4000-8000-000000000001';
const HOLD_2 = '00000000-0000-4000-8000-000000000002';
const OLD_CARD = 'pm_card_chargeCustomerFail';
const NEW_CARD = 'pm_card_visa';
const PAYMENT_1 = '33333333-3333-4333-8333-333333333333';
const PAYMENT_2 = '44444444-4444-4444-8444-444444444444';

function issued(overrides: Partial<InvoiceGeneratedPayload> = {}): CollectionsInput {
  const totalMinor = overrides.totalMinor ?? 1000;
  const payload: InvoiceGeneratedPayload = {
    invoiceId: INVOICE_A,
    invoiceNumber: 'INV-2026-11-0001',
    runId: '55555555-5555-4555-8555-555555555555',
    period: '2026-11',
    periodStart: '2026-11-01T08:00:00.000Z',
    periodEnd: '2026-12-01T08:00:00.000Z',
    currency: 'USD',
    subtotalMinor: totalMinor,
    creditAppliedMinor: 0,
    totalMinor,
    issuedAt: at(-1000),
    dueAt: '2026-12-15T08:00:00.000Z',
    lines: [],
    customer: { name: 'Ada Lovelace', email: 'ada@example.com', timeZone: 'America/Los_Angeles', locale: 'en-US' },
    payment: { providerCustomerId: 'cus_1', paymentMethodId: OLD_CARD },
    requiresCharge: totalMinor > 0,
    collection: 'charge_automatically',
    carriedForwardMinor: 0,
    ...overrides,
  };
  return { type: 'InvoiceGenerated', accountId: ACCOUNT_ID, payload };
}

function methodChanged(paymentMethodId: string | null, changedAt: string): CollectionsInput {
  return {
    type: 'AccountPaymentMethodChanged',
    accountId: ACCOUNT_ID,
    payload: { paymentMethodId, providerCustomerId: 'cus_1', previousPaymentMethodId: OLD_CARD, changedAt },
  };
}

function failed(overrides: Partial<ChargeFailure> = {}): CollectionsInput {
  const { accountId, ...payload } = chargeFailed({ paymentMethodId: OLD_CARD, ...overrides });
  return { type: 'ChargeFailed', accountId, payload };
}

function succeeded(overrides: Partial<ChargeSucceededPayload> = {}): CollectionsInput {
  return { type: 'ChargeSucceeded', accountId: ACCOUNT_ID, payload: chargeSucceeded({ paymentMethodId: NEW_CARD, ...overrides }) };
}

function skipped(reason: ChargeSkippedPayload['reason'], overrides: Partial<ChargeSkippedPayload> = {}): CollectionsInput {
  const payload = { invoiceId: INVOICE_A, invoiceNumber: 'INV-2026-11-0001', reason, amountMinor: 1000, currency: 'USD' as const, skippedAt: T0 };
  return { type: 'ChargeSkipped', accountId: ACCOUNT_ID, payload: { ...payload, ...overrides } };
}

function paidOffline(amountMinor: number, outstandingAfterMinor: number, overrides: Partial<PaymentRecordedPayload> = {}): CollectionsInput {
  const payload: PaymentRecordedPayload = {
    invoiceId: INVOICE_A,
    invoiceNumber: 'INV-2026-11-0001',
    paymentId: PAYMENT_1,
    method: 'bank_transfer',
    amountMinor,
    currency: 'USD',
    reference: 'SEPA 2026-12-02 ADA',
    receivedAt: at(DAY_MS),
    recordedAt: at(DAY_MS),
    recordedBy: 'finance@example.com',
    outstandingAfterMinor,
    ...overrides,
  };
  return { type: 'PaymentRecorded', accountId: ACCOUNT_ID, payload };
}

const CREDIT_NOTE_1 = '66666666-6666-4666-8666-666666666666';
const CREDIT_NOTE_2 = '77777777-7777-4777-8777-777777777777';

/** Payments settled a credit note of invoice A: `applied` off what was owed, `outstandingAfterMinor` left. */
function creditSettled(applied: number, outstandingAfterMinor: number, overrides: Partial<CreditNoteSettledPayload> = {}): CollectionsInput {
  const payload: CreditNoteSettledPayload = {
    creditNoteId: CREDIT_NOTE_1,
    creditNoteNumber: 'CN-2026-12-000001',
    invoiceId: INVOICE_A,
    invoiceNumber: 'INV-2026-11-0001',
    currency: 'USD',
    totalMinor: applied,
    appliedToOutstandingMinor: applied,
    refundMinor: 0,
    accountCreditMinor: 0,
    outstandingAfterMinor,
    settledAt: at(DAY_MS),
    ...overrides,
  };
  return { type: 'CreditNoteSettled', accountId: ACCOUNT_ID, payload };
}

function retry(attempt: number, reason: 'schedule' | 'payment_method_changed' | 'pay_now', scheduledFor: string, requestedAt = scheduledFor) {
  return {
    type: 'ChargeRetryRequested',
    payload: { invoiceId: INVOICE_A, dunningCaseId: CASE_1, attempt, scheduledFor, requestedAt, reason },
  };
}

const tick = { type: 'RequestDueRetries' } as const;
const holdTick = { type: 'PlaceDueHold' } as const;

describe('paying out of dunning', () => {
  it('retries at once on a new card after the hold, and releases the hold once when that attempt succeeds', () => {
    // given a card that declined attempt 1 and every scheduled retry: the account is on hold
    const held = collections()
      .given(nothingKnown)
      .when(issued(), { now: at(-1000) })
      .when(failed({ attempt: 1 }), { now: T0 })
      .when(tick, { now: at(DAY_MS) })
      .when(failed({ attempt: 2, failedAt: at(DAY_MS) }), { now: at(DAY_MS) })
      .when(tick, { now: at(3 * DAY_MS) })
      .when(failed({ attempt: 3, failedAt: at(3 * DAY_MS) }), { now: at(3 * DAY_MS) })
      .when(tick, { now: at(7 * DAY_MS) })
      .when(failed({ attempt: 4, failedAt: at(7 * DAY_MS) }), { now: at(7 * DAY_MS) })
      .then([
        retry(2, 'schedule', at(DAY_MS)),
        retry(3, 'schedule', at(3 * DAY_MS)),
        retry(4, 'schedule', at(7 * DAY_MS)),
        { type: 'AccountHoldPlaced', payload: expect.objectContaining({ holdId: HOLD_2, reason: 'retries_exhausted' }) },
      ]);
    // when the customer sets a new card (the change delivered twice)
    const change = methodChanged(NEW_CARD, at(8 * DAY_MS));
    const retried = held.when(change, { now: at(8 * DAY_MS) }).when(change, { now: at(8 * DAY_MS + 5) });
    // then attempt 5 is requested at once, once
    const afterRetry = retried.then([retry(5, 'payment_method_changed', at(8 * DAY_MS))]);
    // when attempt 5 succeeds (delivered twice) and the scheduler runs
    afterRetry
      .when(succeeded({ attempt: 5, succeededAt: at(8 * DAY_MS + 10) }), { now: at(8 * DAY_MS + 10) })
      .when(succeeded({ attempt: 5, succeededAt: at(8 * DAY_MS + 10) }), { now: at(8 * DAY_MS + 20) })
      .when(tick, { now: at(9 * DAY_MS) })
      .when(holdTick, { now: at(9 * DAY_MS) })
      // then the hold is released exactly once and the invoice is collected
      .then(
        [{ type: 'AccountHoldReleased', payload: expect.objectContaining({ holdId: HOLD_2, reason: 'paid', releasedAt: at(8 * DAY_MS + 10) }) }],
        expect.objectContaining({
          cases: [expect.objectContaining({ status: 'paid' })],
          hold: expect.objectContaining({ activeHold: null }),
          invoices: [expect.objectContaining({ collectedMinor: 1000, lastRequestedAttempt: 5, lastResolvedAttempt: 5 })],
        }),
      );
  });

  it('pulls a scheduled retry forward when the card changes mid-dunning, and never asks for it again', () => {
    // given attempt 1 declined and attempt 2 scheduled for +1d
    const scheduled = collections().given(nothingKnown).when(issued()).when(failed({ attempt: 1 }), { now: T0 }).then([]);
    // when the card changes an hour later, and the scheduler runs for two days
    let s = scheduled.when(methodChanged(NEW_CARD, at(3_600_000)), { now: at(3_600_000) });
    for (let t = 2 * 3_600_000; t <= 2 * DAY_MS; t += 3_600_000) s = s.when(tick, { now: at(t) });
    // then attempt 2, the scheduled one, is requested at the change, and only then
    s.then([retry(2, 'payment_method_changed', at(3_600_000))], expect.objectContaining({
      cases: [expect.objectContaining({ nextAttempt: 2, retryRequestedAt: at(3_600_000) })],
    }));
  });

  it('leaves an attempt in flight alone, then asks for the next one at once when it failed on the old card', () => {
    // given attempt 2 requested by the schedule (in flight)
    const inFlight = collections()
      .given(nothingKnown)
      .when(issued())
      .when(failed({ attempt: 1 }), { now: T0 })
      .when(tick, { now: at(DAY_MS) })
      .then([retry(2, 'schedule', at(DAY_MS))]);
    // when the card changes while attempt 2 is at the provider
    const changed = inFlight.when(methodChanged(NEW_CARD, at(DAY_MS + 1)), { now: at(DAY_MS + 1) }).then([]);
    // when attempt 2 fails, charged to the old card
    // then attempt 3 is requested at once rather than at +3d
    const third = changed.when(failed({ attempt: 2, failedAt: at(DAY_MS + 2) }), { now: at(DAY_MS + 3) }).then([retry(3, 'payment_method_changed', at(DAY_MS + 3))]);
    // when attempt 3 fails on the new card, the schedule applies again: attempt 4 at +7d, not before
    third
      .when(failed({ attempt: 3, paymentMethodId: NEW_CARD, failedAt: at(DAY_MS + 4) }), { now: at(DAY_MS + 4) })
      .when(tick, { now: at(7 * DAY_MS - 1) })
      .when(tick, { now: at(7 * DAY_MS) })
      .then([retry(4, 'schedule', at(7 * DAY_MS))]);
  });

  it('places no hold while the attempt on a new card is out, though the grace of the old failure passes', () => {
    // given attempt 1 failed and the customer must act within a one-day grace
    const spec = collections('1d,3d,7d', '1d');
    const waiting = spec.given(nothingKnown).when(issued()).when(failed({ attempt: 1, retryable: false }), { now: T0 }).then([]);
    // when the customer sets a new card within the grace, and the scheduler runs past the grace
    const out = waiting
      .when(methodChanged(NEW_CARD, at(3_600_000)), { now: at(3_600_000) })
      .when(tick, { now: at(2 * DAY_MS) })
      .when(holdTick, { now: at(2 * DAY_MS) });
    // then only attempt 2 was requested, and no hold was placed
    const requested = out.then([retry(2, 'payment_method_changed', at(3_600_000))]);
    // when attempt 2 fails too (the customer must still act), the grace starts again from that failure
    requested
      .when(failed({ attempt: 2, retryable: false, paymentMethodId: NEW_CARD, failedAt: at(2 * DAY_MS) }), { now: at(2 * DAY_MS) })
      .when(holdTick, { now: at(3 * DAY_MS - 1) })
      .then([])
      .when(holdTick, { now: at(3 * DAY_MS) })
      .then([{ type: 'AccountHoldPlaced', payload: expect.objectContaining({ reason: 'payment_action_required', placedAt: at(3 * DAY_MS) }) }]);
  });

  it('opens no case and places no hold for an invoice skipped for want of a method, and charges it once a method is added', () => {
    // given an invoice issued to an account without a payment method, skipped by payments
    const waiting = collections()
      .given(nothingKnown)
      .when(issued({ payment: { providerCustomerId: null, paymentMethodId: null }, collection: 'no_payment_method' }))
      .when(skipped('no_payment_method'), { now: T0 })
      .when(skipped('no_payment_method'), { now: at(1) })
      .when(tick, { now: at(30 * DAY_MS) })
      .when(holdTick, { now: at(30 * DAY_MS) })
      .then([], expect.objectContaining({ cases: [], hold: noHold(ACCOUNT_ID) }));
    // when a card is added
    waiting
      .when(methodChanged(NEW_CARD, at(31 * DAY_MS)), { now: at(31 * DAY_MS) })
      // then attempt 2 is requested at once, its id standing in for the case it does not have
      .then([
        {
          type: 'ChargeRetryRequested',
          payload: { invoiceId: INVOICE_A, dunningCaseId: INVOICE_A, attempt: 2, scheduledFor: at(31 * DAY_MS), requestedAt: at(31 * DAY_MS), reason: 'payment_method_changed' },
        },
      ]);
  });

  it('charges an invoice issued without a method once one is added, whichever reason payments gave its skip', () => {
    collections()
      .given(nothingKnown)
      .when(issued({ payment: { providerCustomerId: null, paymentMethodId: null }, collection: 'no_payment_method' }))
      .when(skipped('manual_collection'), { now: T0 })
      .when(methodChanged(NEW_CARD, at(DAY_MS)), { now: at(DAY_MS) })
      .then([expect.objectContaining({ payload: expect.objectContaining({ attempt: 2, reason: 'payment_method_changed' }) })]);
  });

  it('asks again at once when the skip for want of a method arrives after collections learnt the new method', () => {
    // given an invoice issued without a method, and the method added before payments' skip is seen
    collections()
      .given(nothingKnown)
      .when(issued({ payment: { providerCustomerId: null, paymentMethodId: null }, collection: 'no_payment_method' }))
      .when(methodChanged(NEW_CARD, T0), { now: T0 })
      // when the skip of attempt 1 arrives (twice)
      .when(skipped('no_payment_method'), { now: at(5) })
      .when(skipped('no_payment_method'), { now: at(6) })
      // then attempt 2 is requested once; a skip of it (payments not yet knowing the card) asks for nothing more
      .when(skipped('no_payment_method'), { now: at(7) })
      .then([expect.objectContaining({ payload: expect.objectContaining({ attempt: 2, reason: 'payment_method_changed', requestedAt: at(5) }) })]);
  });

  it('requests pay-now attempts only when something is owed and nothing is in flight', () => {
    // given an invoice whose attempt 1 is still at the provider
    const spec = collections();
    const issuedOnly = spec.given(nothingKnown).when(issued()).then([]);
    // then pay-now is refused while it is in flight, and for an invoice collections never heard of
    issuedOnly.when({ type: 'PayNow', invoiceId: INVOICE_A }).thenLastDecision({ rejection: 'attempt_in_flight', events: [] });
    issuedOnly.when({ type: 'PayNow', invoiceId: INVOICE_B }).thenLastDecision({ rejection: 'invoice_not_found', events: [] });
    // when attempt 1 failed and attempt 2 is scheduled, pay-now asks for attempt 2 now, and refuses a second time
    const declined = issuedOnly.when(failed({ attempt: 1 }), { now: T0 }).then([]);
    declined
      .when({ type: 'PayNow', invoiceId: INVOICE_A }, { now: at(10) })
      .thenLastDecision({ rejection: null, attempt: 2 })
      .when({ type: 'PayNow', invoiceId: INVOICE_A }, { now: at(20) })
      .thenLastDecision({ rejection: 'attempt_in_flight' })
      .when(tick, { now: at(2 * DAY_MS) })
      .then([]);
    expect(decidePayNow({ type: 'PayNow', invoiceId: INVOICE_A }, declined.state, { now: at(10) }).events).toEqual([retry(2, 'pay_now', at(10))]);
    // when it is paid, pay-now has nothing to collect
    declined
      .when(succeeded({ attempt: 2 }))
      .when({ type: 'PayNow', invoiceId: INVOICE_A })
      .thenLastDecision({ rejection: 'nothing_outstanding' });
  });

  it('has nothing to pay now for an invoice below the provider minimum: its total was carried to the next invoice', () => {
    collections()
      .given(nothingKnown)
      .when(issued({ totalMinor: 30, collection: 'below_provider_minimum', carriedForwardMinor: 30 }))
      .when(skipped('below_provider_minimum', { amountMinor: 30 }))
      .when({ type: 'PayNow', invoiceId: INVOICE_A })
      .thenLastDecision({ rejection: 'nothing_outstanding' });
  });

  it.each<[CurrencyCode, number, number]>([
    ['JPY', 5000, 1200],
    ['KWD', 12_345, 345],
  ])('keeps the hold after a partial offline payment in %s, and releases it once when the rest arrives', (currency, total, part) => {
    // given an exhausted invoice and a held account
    const money = { currency, amountMinor: total };
    const held = collections('none', '0s')
      .given(nothingKnown)
      .when(issued({ currency, totalMinor: total, subtotalMinor: total }))
      .when(failed({ attempt: 1, ...money }), { now: T0 })
      .then([{ type: 'AccountHoldPlaced', payload: expect.objectContaining({ unpaidInvoices: [expect.objectContaining(money)] }) }]);
    // when part of it arrives by bank transfer (recorded twice)
    const partial = paidOffline(part, total - part, { currency });
    const stillHeld = held
      .when(partial, { now: at(DAY_MS) })
      .when(partial, { now: at(DAY_MS + 1) })
      // then the hold stays, and the case shows what is still owed
      .then([], expect.objectContaining({
        cases: [expect.objectContaining({ status: 'exhausted', amountMinor: total - part })],
        invoices: [expect.objectContaining({ collectedMinor: part })],
      }));
    // when the rest arrives (recorded twice)
    const rest = paidOffline(total - part, 0, { currency, paymentId: PAYMENT_2, receivedAt: at(2 * DAY_MS) });
    stillHeld
      .when(rest, { now: at(2 * DAY_MS) })
      .when(rest, { now: at(2 * DAY_MS + 1) })
      .when(holdTick, { now: at(3 * DAY_MS) })
      // then the case is paid and the hold released once
      .then(
        [{ type: 'AccountHoldReleased', payload: expect.objectContaining({ reason: 'paid', releasedAt: at(2 * DAY_MS) }) }],
        expect.objectContaining({
          cases: [expect.objectContaining({ status: 'paid', paidAt: at(2 * DAY_MS) })],
          invoices: [expect.objectContaining({ collectedMinor: total })],
        }),
      );
  });

  it('counts an offline payment for an invoice that never failed without opening a case', () => {
    collections()
      .given(nothingKnown)
      .when(issued({ payment: { providerCustomerId: null, paymentMethodId: null }, collection: 'no_payment_method' }))
      .when(skipped('no_payment_method'))
      .when(paidOffline(1000, 0))
      .when({ type: 'PayNow', invoiceId: INVOICE_A })
      .thenLastDecision({ rejection: 'nothing_outstanding' })
      .when(methodChanged(NEW_CARD, at(DAY_MS)))
      .then([], expect.objectContaining({ cases: [], invoices: [expect.objectContaining({ collectedMinor: 1000, lastRequestedAttempt: 1 })] }));
  });

  it('opens no case for a failure that arrives after an offline payment settled the invoice', () => {
    // given an invoice paid in full by bank transfer before the (earlier) decline of attempt 1 was handled
    collections()
      .given(nothingKnown)
      .when(issued())
      .when(paidOffline(1000, 0))
      // when the decline arrives, and the scheduler runs
      .when(failed({ attempt: 1 }), { now: T0 })
      .when(tick, { now: at(DAY_MS) })
      .when(holdTick, { now: at(DAY_MS) })
      // then no case, no retry, no hold
      .then([], expect.objectContaining({ cases: [], hold: noHold(ACCOUNT_ID), invoices: [expect.objectContaining({ lastResolvedAttempt: 1 })] }));
  });

  it('ignores a method change older than the one it knows, and a removed method asks for nothing', () => {
    collections()
      .given(nothingKnown)
      .when(issued())
      .when(failed({ attempt: 1 }), { now: T0 })
      .when(methodChanged(null, at(20)), { now: at(20) })
      .when(methodChanged(NEW_CARD, at(10)), { now: at(30) })
      .then([], expect.objectContaining({ method: { accountId: ACCOUNT_ID, paymentMethodId: null, changedAt: at(20) } }));
  });

  it('records the same InvoiceGenerated twice as once, whatever payment event came before it', () => {
    const once = collections().given(nothingKnown).when(failed({ attempt: 1 }), { now: T0 }).when(issued()).then([]);
    expect(once.when(issued()).then([]).state).toEqual(once.state);
    expect(once.state.invoices).toEqual([
      expect.objectContaining({ totalMinor: 1000, collection: 'charge_automatically', lastRequestedAttempt: 1, lastResolvedAttempt: 1 }),
    ]);
  });

  it.each<[CurrencyCode, number]>([
    ['JPY', 5000],
    ['KWD', 12_340],
  ])('closes the case of a fully credited %s invoice and releases the hold once, though the settlement is delivered twice', (currency, total) => {
    // given an exhausted invoice and a held account
    const held = collections('none', '0s')
      .given(nothingKnown)
      .when(issued({ currency, totalMinor: total, subtotalMinor: total }))
      .when(failed({ attempt: 1, currency, amountMinor: total }), { now: T0 })
      .then([{ type: 'AccountHoldPlaced', payload: expect.objectContaining({ unpaidInvoices: [expect.objectContaining({ currency, amountMinor: total })] }) }]);
    // when the whole invoice is credited (the settlement delivered twice), and the scheduler runs
    const credit = creditSettled(total, 0, { currency, settledAt: at(DAY_MS) });
    held
      .when(credit, { now: at(DAY_MS) })
      .when(credit, { now: at(DAY_MS + 1) })
      .when(tick, { now: at(8 * DAY_MS) })
      .when(holdTick, { now: at(8 * DAY_MS) })
      // then the hold is released once, no retry is asked for, and nothing is owed
      .then(
        [{ type: 'AccountHoldReleased', payload: expect.objectContaining({ reason: 'paid', releasedAt: at(DAY_MS) }) }],
        expect.objectContaining({
          cases: [expect.objectContaining({ status: 'paid', nextRetryAt: null })],
          invoices: [expect.objectContaining({ creditedMinor: total, collectedMinor: 0, creditNoteIds: [CREDIT_NOTE_1] })],
        }),
      )
      .when({ type: 'PayNow', invoiceId: INVOICE_A })
      .thenLastDecision({ rejection: 'nothing_outstanding' });
  });

  it('keeps the case and its retries after a partial credit, owing the rest; a second credit of the rest closes it', () => {
    // given attempt 1 declined and attempt 2 scheduled for +1d
    const dunning = collections().given(nothingKnown).when(issued()).when(failed({ attempt: 1 }), { now: T0 }).then([]);
    // when 400 of the 1000 are credited
    const partly = dunning
      .when(creditSettled(400, 600, { settledAt: at(3_600_000) }), { now: at(3_600_000) })
      .when(tick, { now: at(DAY_MS) })
      // then the case stays open for the 600 still owed, and the schedule still asks for attempt 2
      .then([retry(2, 'schedule', at(DAY_MS))], expect.objectContaining({
        cases: [expect.objectContaining({ amountMinor: 600 })],
        invoices: [expect.objectContaining({ creditedMinor: 400 })],
      }));
    // when attempt 2 is skipped because the rest was credited meanwhile
    partly
      .when(creditSettled(600, 0, { creditNoteId: CREDIT_NOTE_2, settledAt: at(DAY_MS + 1) }), { now: at(DAY_MS + 1) })
      .when(skipped('nothing_to_collect'), { now: at(DAY_MS + 2) })
      .when(tick, { now: at(4 * DAY_MS) })
      .when(holdTick, { now: at(4 * DAY_MS) })
      // then no further retry and no hold
      .then([], expect.objectContaining({
        cases: [expect.objectContaining({ status: 'paid' })],
        hold: noHold(ACCOUNT_ID),
        invoices: [expect.objectContaining({ creditedMinor: 1000, creditNoteIds: [CREDIT_NOTE_1, CREDIT_NOTE_2] })],
      }));
  });

  it('keeps the hold while another invoice of the account is still overdue after one is credited', () => {
    const heldForTwo = collections('none', '0s')
      .given(nothingKnown)
      .when(issued())
      .when(issued({ invoiceId: INVOICE_B, invoiceNumber: 'INV-2026-11-0002' }))
      .when(failed({ attempt: 1 }), { now: T0 })
      .when(failed({ attempt: 1, invoiceId: INVOICE_B, invoiceNumber: 'INV-2026-11-0002' }), { now: T0 })
      .then(expect.arrayContaining([expect.objectContaining({ type: 'AccountHoldPlaced' })]));
    heldForTwo
      .when(creditSettled(1000, 0), { now: at(DAY_MS) })
      .when(holdTick, { now: at(DAY_MS) })
      .then(
        [],
        expect.objectContaining({
          cases: [expect.objectContaining({ invoiceId: INVOICE_A, status: 'paid' }), expect.objectContaining({ invoiceId: INVOICE_B, status: 'exhausted' })],
          hold: expect.objectContaining({ activeHold: expect.objectContaining({ holdId: HOLD_2 }) }),
        }),
      );
  });
});
