import { randomUUID } from 'node:crypto';
import { BillingEvent, InvoiceGeneratedV1, MonthCloseAccountFailedV1, PaymentRecordedV1, createEvent } from '@billing/events';
import { buildCorrections } from '../../../test/corrections-scenario';
import { buildScenario } from '../../../test/month-close-scenario';
import { countsWin, projectEvents } from './projection';

const events = () => {
  const scenario = buildScenario();
  return { scenario, all: scenario.produced.map((p) => p.event as BillingEvent) };
};

describe('projecting ledger events into finance rows', () => {
  it('records each fact once, keyed by the fact, whatever the event id', () => {
    const { scenario, all } = events();
    const reissued = { ...scenario.usdPaid, eventId: randomUUID() } as BillingEvent;
    const batch = projectEvents([...all, reissued]);

    expect(batch.invoices.map((i) => [i.invoiceNumber, i.currency, i.totalMinor])).toEqual([
      ['INV-2026-11-0001', 'USD', 12_345],
      ['INV-2026-11-0002', 'JPY', 4_980],
      ['INV-2026-11-0003', 'KWD', 7_250],
      ['INV-2026-11-0004', 'USD', 0],
    ]);
    expect(batch.lines).toHaveLength(6);
    expect(batch.attempts.map((a) => [a.accountId, a.outcome, a.attempt, a.amountMinor, a.code])).toEqual([
      ['acct-usd', 'succeeded', 1, 12_345, null],
      ['acct-jpy', 'failed', 1, 4_980, 'card_declined'],
      ['acct-kwd', 'failed', 1, 7_250, 'card_declined'],
      ['acct-zero', 'skipped', 0, 0, 'nothing_to_collect'],
      ['acct-jpy', 'succeeded', 2, 4_980, null],
    ]);
    expect(batch.emails.map((e) => [e.template, e.status])).toEqual([
      ['invoice', 'sent'],
      ['invoice', 'sent'],
      ['invoice', 'sent'],
      ['invoice', 'sent'],
      ['payment-failed', 'sent'],
      ['payment-failed', 'failed'],
      ['account-on-hold', 'sent'],
      ['hold-released', 'sent'],
    ]);
    // one entry per fact: the duplicate delivery and the re-issued payment add none
    expect(batch.entries).toHaveLength(scenario.uniqueEventIds.size);
  });

  it('merges a hold placed and released in one batch into one row', () => {
    const { scenario, all } = events();
    const { holds } = projectEvents(all);
    expect(holds).toEqual([
      expect.objectContaining({
        holdId: scenario.ids.hold,
        accountId: 'acct-jpy',
        reason: 'payment_action_required',
        placedAt: '2026-12-01T00:07:00.000Z',
        releasedAt: '2026-12-18T09:01:00.000Z',
        releaseReason: 'paid',
      }),
    ]);
  });

  it('keeps the completed run counts over progress, in any order', () => {
    const { all } = events();
    const runEvents = all.filter((e) => e.type.startsWith('MonthClose'));
    const forward = projectEvents(runEvents).runs;
    const backward = projectEvents([...runEvents].reverse()).runs;
    expect(forward).toEqual(backward);
    expect(forward).toEqual([
      expect.objectContaining({
        requestedBy: 'scheduler',
        accountsInScope: 4,
        invoiced: 4,
        zeroTotal: 1,
        remaining: 0,
        countsRank: 2,
        startedAt: '2026-12-01T00:00:05.000Z',
        completedAt: '2026-12-01T00:02:05.000Z',
      }),
    ]);
    expect(countsWin({ countsRank: 1, countsAt: '2026-12-01T00:02:00.000Z' }, { countsRank: 1, countsAt: '2026-12-01T00:01:00.000Z' })).toBe(true);
    expect(countsWin({ countsRank: 1, countsAt: '2026-12-01T00:09:00.000Z' }, { countsRank: 2, countsAt: '2026-12-01T00:01:00.000Z' })).toBe(false);
  });

  it('orders facts of one instant by stage: invoice before charge before email', () => {
    const { all } = events();
    const ranks = Object.fromEntries(projectEvents(all).entries.map((e) => [e.type, e.topicRank]));
    expect(ranks.UsageRecorded).toBeLessThan(ranks.InvoiceGenerated);
    expect(ranks.InvoiceGenerated).toBeLessThan(ranks.ChargeFailed);
    expect(ranks.ChargeFailed).toBeLessThan(ranks.AccountHoldPlaced);
    expect(ranks.AccountHoldPlaced).toBeLessThan(ranks.EmailSent);
  });

  it('given the same failure delivered twice and again under a new event id, when projected, then the account is listed once; a later failure replaces it', () => {
    const runId = randomUUID();
    const accountId = randomUUID();
    const failed = (code: string, failedAt: string, eventId = randomUUID()) =>
      createEvent(
        MonthCloseAccountFailedV1,
        { eventId, occurredAt: failedAt, producer: 'invoicing', accountId, correlationId: runId, causationId: null },
        { runId, period: '2026-11', accountId, code, reason: `${code}: sku=seat`, failedAt },
      ) as BillingEvent;
    const first = failed('price_missing', '2026-12-01T00:00:00.000Z');
    const again = failed('unexpected_error', '2026-12-02T00:00:00.000Z');

    const once = projectEvents([first, first, { ...first, eventId: randomUUID() }]);
    expect(once.failures).toEqual([expect.objectContaining({ runId, accountId, code: 'price_missing', eventId: first.eventId })]);
    expect(once.entries).toHaveLength(1);
    for (const order of [[first, again], [again, first]]) {
      expect(projectEvents(order).failures).toEqual([expect.objectContaining({ code: 'unexpected_error', failedAt: '2026-12-02T00:00:00.000Z' })]);
    }
  });

  it.each([
    ['USD', 30, 7_500],
    ['JPY', 49, 3_000],
    ['KWD', 100, 12_500],
  ] as const)(
    'given a %s offline payment delivered twice and re-emitted, and an invoice carrying %i minor units, when projected, then one payment row, one entry each, and the carried line marked',
    (currency, carried, paid) => {
      const { scenario } = events();
      const base = scenario.invoices[0];
      const meta = (at: string) => ({ eventId: randomUUID(), occurredAt: at, producer: 'test', accountId: 'acct-x', correlationId: 'x', causationId: null });
      const invoice = createEvent(InvoiceGeneratedV1, meta('2026-12-01T00:00:00.000Z'), {
        ...base.payload,
        currency,
        subtotalMinor: paid + carried,
        creditAppliedMinor: 0,
        totalMinor: paid + carried,
        lines: [
          { ...base.payload.lines[0], amountMinor: paid },
          {
            ...base.payload.lines[0],
            lineId: 'carried',
            amountMinor: carried,
            kind: 'carried_balance',
            carriedFromInvoiceId: randomUUID(),
            carriedFromInvoiceNumber: 'INV-2026-10-0001',
          },
        ],
        collection: 'no_payment_method',
        carriedForwardMinor: 0,
      }) as BillingEvent;
      const payment = createEvent(PaymentRecordedV1, meta('2026-12-02T00:00:00.000Z'), {
        invoiceId: base.payload.invoiceId,
        invoiceNumber: base.payload.invoiceNumber,
        paymentId: randomUUID(),
        method: 'bank_transfer',
        amountMinor: paid,
        currency,
        reference: 'SEPA 1',
        receivedAt: '2026-12-02T00:00:00.000Z',
        recordedAt: '2026-12-02T00:00:00.000Z',
        recordedBy: 'finance',
        outstandingAfterMinor: carried,
      }) as BillingEvent;

      const batch = projectEvents([invoice, payment, payment, { ...payment, eventId: randomUUID() } as BillingEvent]);

      expect(batch.payments).toEqual([
        expect.objectContaining({ paymentId: (payment.payload as { paymentId: string }).paymentId, method: 'bank_transfer', amountMinor: paid, currency, reference: 'SEPA 1' }),
      ]);
      expect(batch.entries.map((e) => e.type)).toEqual(['InvoiceGenerated', 'PaymentRecorded']);
      expect(batch.invoices).toEqual([expect.objectContaining({ collection: 'no_payment_method', carriedForwardMinor: 0 })]);
      expect(batch.lines.map((l) => [l.kind, l.amountMinor, l.carriedFromInvoiceNumber])).toEqual([
        ['usage', paid, null],
        ['carried_balance', carried, 'INV-2026-10-0001'],
      ]);
    },
  );

  it.each(['JPY', 'KWD'] as const)(
    'given %s credit notes, settlements and refunds delivered twice and re-emitted, when projected, then one row per credit note (and per refund outcome) and one ledger entry per fact',
    (currency) => {
      const { stages, events: cases } = buildCorrections(currency, 1);
      const corrections = [...stages.issued, ...stages.settled, ...stages.refunds].map((p) => p.event as BillingEvent);
      const reemitted = corrections.map((e) => ({ ...e, eventId: randomUUID() }) as BillingEvent);

      const batch = projectEvents([...corrections, ...corrections, ...reemitted]);

      expect(batch.creditNotes.map((n) => [n.kind, n.currency, n.totalMinor, n.paidPartTo, n.lines.length])).toEqual([
        ['credit', currency, 1_000, 'refund', 1],
        ['credit', currency, 4_980, 'refund', 2],
        ['credit', currency, 1_001, 'refund', 1],
        ['credit', currency, 1_001, 'account_credit', 1],
        ['void', currency, 4_980, 'refund', 2],
        ['credit', currency, 2_000, 'refund', 2],
      ]);
      expect(batch.settlements.map((s) => [s.totalMinor, s.appliedToOutstandingMinor, s.refundMinor, s.accountCreditMinor, s.outstandingAfterMinor])).toEqual([
        [1_000, 1_000, 0, 0, 3_980],
        [4_980, 4_980, 0, 0, 0],
        [1_001, 0, 1_001, 0, 0],
        [1_001, 0, 0, 1_001, 0],
        [4_980, 4_980, 0, 0, 0],
        [2_000, 0, 2_000, 0, 0],
      ]);
      expect(batch.refunds.map((r) => [r.outcome, r.amountMinor, r.currency, r.providerRefundId, r.errorCode])).toEqual([
        ['succeeded', 1_001, currency, expect.stringMatching(/^re_/), null],
        ['failed', 2_000, currency, null, 'charge_disputed'],
      ]);
      // the first event of each fact is kept
      expect(batch.refunds[0].eventId).toBe(cases.refund.refund!.event.eventId);
      expect(batch.entries.map((e) => e.type)).toEqual([...Array(6).fill('CreditNoteIssued'), ...Array(6).fill('CreditNoteSettled'), 'RefundSucceeded', 'RefundFailed']);
      expect(batch.entries.find((e) => e.type === 'CreditNoteIssued')).toMatchObject({
        amountMinor: 1_000,
        currency,
        invoiceNumber: (cases.partial.issued.event.payload as { invoiceNumber: string }).invoiceNumber,
        detail: expect.objectContaining({ kind: 'credit', creditNoteNumber: expect.stringMatching(/^CN-2026-12-\d{6}$/) }),
      });
    },
  );
});
