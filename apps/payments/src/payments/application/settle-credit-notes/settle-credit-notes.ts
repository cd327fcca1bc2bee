import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CreditNoteSettledV1, Envelope, EventOf, RefundFailedV1, RefundSucceededV1, createEvent } from '@billing/events';
import { CLOCK, Clock, Logger, PermanentError, TransientError, appendToOutbox, causedBy, eventMeta } from '@billing/messaging';
import { toProviderAmount } from '@billing/provider-units';
import { InvoiceSnapshot } from '../../domain/invoice-snapshot';
import { decideSettlement, refundIdempotencyKey } from '../../domain/settle-credit-note';
import { invoicesWithPendingAttempts } from '../../infrastructure/charge-attempt-store';
import {
  NewRefund,
  RefundResolution,
  RefundRow,
  SettlementRow,
  findPendingRefunds,
  findRefundableCharges,
  findSettledCreditNotes,
  insertRefunds,
  insertSettlements,
  noteProviderRefundIds,
  resolvePendingRefunds,
} from '../../infrastructure/credit-note-store';
import { addCredited, findInvoices, saveInvoiceSnapshots } from '../../infrastructure/invoice-snapshot-store';
import { callProviderPaced } from '../call-provider-paced';
import { PAYMENT_PROVIDER, PaymentProvider, ProviderRefundOutcome, RefundRequest } from '../payment-provider';
import { PROVIDER_CALL_OPTIONS, ProviderCallOptions, planCallRecord } from '../plan-call-record';
import { PROVIDER_PACE, ProviderPace, batchTurn } from '../provider-pace';
import { PRODUCER } from '../record-charge-outcomes';
import { snapshotOf } from '../snapshot-of';

type CreditNoteIssued = EventOf<'CreditNoteIssued'>;
/** What the settle-credit-notes consumer reads: the invoices (their snapshots) and their credit notes, in partition order. */
export type SettleCreditNotesEvent = EventOf<'InvoiceGenerated'> | CreditNoteIssued;

interface PlannedRefund {
  refund: RefundRow;
  invoice: InvoiceSnapshot;
  event: CreditNoteIssued;
}

/**
 * Settles each credit note against its invoice's money exactly once, and refunds the part that
 * goes back to the card — the same three steps as a charge (charge-invoices.ts):
 * 1. Plan — its own short transaction, committed before any provider call: the invoice row locked
 *    FOR UPDATE (the charge plan and offline payments lock it too, so a credit and a charge are
 *    decided one after the other, never from the same balance), `decideSettlement`, then in that
 *    transaction the settlement row (PK credit note: a redelivery finds it and decides nothing),
 *    `credited_minor` += the part applied to what was outstanding, CreditNoteSettled in the
 *    outbox, and a `pending` refund row with its key `refund:<creditNoteId>` and exact provider
 *    amount. A credit note whose invoice has a card attempt pending is deferred (TransientError,
 *    nothing written): the charge decided before it must have its outcome first.
 * 2. Call the provider's refunds API for every pending refund of the batch's credit notes (new,
 *    or left pending by an earlier run), at the provider pace shared with charges.
 * 3. Record — in the consumer's inbox transaction: only rows still `pending` change, and
 *    RefundSucceeded / RefundFailed goes to the outbox.
 * A crash between 2 and 3 leaves the pending refund and no inbox row: the credit note is
 * redelivered, the plan finds it settled, the refund goes out again with the SAME key, the
 * provider replays its first answer (no second refund) and the outcome is recorded once. A
 * timeout / 5xx the SDK could not get through is a TransientError: the same, later.
 */
@Injectable()
export class SettleCreditNotes {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PROVIDER_CALL_OPTIONS) private readonly options: ProviderCallOptions,
    @Inject(PROVIDER_PACE) private readonly pace: ProviderPace | null,
  ) {}

  async execute(
    events: readonly SettleCreditNotesEvent[],
    manager: EntityManager,
    logger: Logger,
    heartbeat: () => Promise<void> = async () => undefined,
  ): Promise<void> {
    const turn = batchTurn();
    await planCallRecord(this.dataSource, this.options, {
      plan: (planning) => this.plan(events, planning, logger),
      callsOf: (planned) => planned,
      call: (refund) => this.refund(refund, logger, heartbeat, turn),
      record: (planned, outcomes) => this.record(manager, planned, outcomes, logger),
    });
  }

  private async plan(events: readonly SettleCreditNotesEvent[], manager: EntityManager, logger: Logger): Promise<PlannedRefund[]> {
    const now = this.clock.now();
    await saveInvoiceSnapshots(
      manager,
      events.filter((e): e is EventOf<'InvoiceGenerated'> => e.type === 'InvoiceGenerated').map(snapshotOf),
      now,
    );
    const creditNotes = events.filter((e): e is CreditNoteIssued => e.type === 'CreditNoteIssued');
    if (creditNotes.length === 0) return [];
    const invoiceIds = creditNotes.map((e) => e.payload.invoiceId);
    const invoices = await findInvoices(manager, invoiceIds, { lock: true });
    const settled = await findSettledCreditNotes(manager, creditNotes.map((e) => e.payload.creditNoteId));
    const chargesInFlight = await invoicesWithPendingAttempts(manager, invoiceIds);
    const refundable = await findRefundableCharges(manager, invoiceIds);

    const settlements: SettlementRow[] = [];
    const newRefunds: NewRefund[] = [];
    const credited = new Map<string, number>();
    const emitted: Envelope[] = [];
    for (const event of creditNotes) {
      const note = event.payload;
      const log = logger.child({ eventId: event.eventId, correlationId: event.correlationId, creditNoteId: note.creditNoteId, invoiceId: note.invoiceId });
      if (settled.has(note.creditNoteId)) {
        log.info('credit note already settled; nothing to decide');
        continue;
      }
      settled.add(note.creditNoteId);
      const invoice = invoices.get(note.invoiceId);
      if (invoice === undefined) {
        throw new PermanentError('unknown_invoice', `CreditNoteIssued ${event.eventId}: invoice ${note.invoiceId} was never received`);
      }
      const card = refundable.get(invoice.invoiceId);
      const decision = decideSettlement(
        { ...invoice, chargeInFlight: chargesInFlight.has(invoice.invoiceId), cardRefundableMinor: card?.refundableMinor ?? 0 },
        note,
      );
      if (decision.kind === 'refuse') throw new PermanentError(decision.code, `credit note ${note.creditNoteId}: ${decision.message}`);
      if (decision.kind === 'defer') {
        log.info({ code: decision.code }, 'credit note deferred until the pending card attempt has its outcome');
        throw new TransientError(`credit note ${note.creditNoteId}: ${decision.message}`);
      }
      // Later credit notes of the same invoice in this batch see this one's effect.
      invoice.creditedMinor += decision.appliedToOutstandingMinor;
      credited.set(invoice.invoiceId, (credited.get(invoice.invoiceId) ?? 0) + decision.appliedToOutstandingMinor);
      settlements.push({
        creditNoteId: note.creditNoteId,
        creditNoteNumber: note.creditNoteNumber,
        invoiceId: invoice.invoiceId,
        currency: invoice.currency,
        totalMinor: note.totalMinor,
        appliedToOutstandingMinor: decision.appliedToOutstandingMinor,
        refundMinor: decision.refundMinor,
        accountCreditMinor: decision.accountCreditMinor,
        outstandingAfterMinor: decision.outstandingAfterMinor,
        paidPartTo: note.paidPartTo,
        sourceEventId: event.eventId,
        correlationId: event.correlationId,
      });
      if (decision.refundMinor > 0 && card !== undefined) {
        const provider = toProviderAmount(decision.refundMinor, invoice.currency);
        if (!provider.ok) throw new PermanentError(`provider_amount_${provider.code}`, `refund of ${note.creditNoteId}: ${provider.message}`);
        card.refundableMinor -= decision.refundMinor;
        newRefunds.push({
          creditNoteId: note.creditNoteId,
          invoiceId: invoice.invoiceId,
          idempotencyKey: refundIdempotencyKey(note.creditNoteId),
          amountMinor: decision.refundMinor,
          currency: invoice.currency,
          providerAmount: provider.amount,
          providerCurrency: provider.currency,
          providerPaymentIntentId: card.paymentIntentId,
        });
      }
      emitted.push(
        createEvent(CreditNoteSettledV1, metaOf(event, now), {
          creditNoteId: note.creditNoteId,
          creditNoteNumber: note.creditNoteNumber,
          invoiceId: invoice.invoiceId,
          invoiceNumber: invoice.invoiceNumber,
          currency: invoice.currency,
          totalMinor: note.totalMinor,
          appliedToOutstandingMinor: decision.appliedToOutstandingMinor,
          refundMinor: decision.refundMinor,
          accountCreditMinor: decision.accountCreditMinor,
          outstandingAfterMinor: decision.outstandingAfterMinor,
          settledAt: now.toISOString(),
        }),
      );
      log.info({ ...decision, currency: invoice.currency }, 'credit note settled');
    }
    await insertSettlements(manager, settlements, now);
    await addCredited(manager, credited);
    await insertRefunds(manager, newRefunds, now);
    await appendToOutbox(manager, emitted);

    // The stored rows are authoritative: a repeat sends exactly the first call's parameters.
    const byCreditNote = new Map(creditNotes.map((e) => [e.payload.creditNoteId, e]));
    const pending = await findPendingRefunds(manager, [...byCreditNote.keys()]);
    return pending.map((refund) => ({ refund, invoice: invoices.get(refund.invoiceId)!, event: byCreditNote.get(refund.creditNoteId)! }));
  }

  private refund({ refund, invoice }: PlannedRefund, logger: Logger, heartbeat: () => Promise<void>, turn: number): Promise<ProviderRefundOutcome> {
    const request: RefundRequest = {
      idempotencyKey: refund.idempotencyKey,
      paymentIntentId: refund.providerPaymentIntentId,
      amount: refund.providerAmount,
      currency: refund.providerCurrency,
      metadata: { credit_note_id: refund.creditNoteId, invoice_id: refund.invoiceId, account_id: invoice.accountId },
    };
    const log = logger.child({ creditNoteId: refund.creditNoteId, invoiceId: refund.invoiceId });
    return callProviderPaced(this.pace, request, (slot) => this.provider.refund(request, log, slot), { logger: log, heartbeat, turn });
  }

  private async record(manager: EntityManager, planned: PlannedRefund[], outcomes: ProviderRefundOutcome[], logger: Logger): Promise<void> {
    const now = this.clock.now();
    const finals: RefundResolution[] = [];
    const stillPending: { creditNoteId: string; refundId: string }[] = [];
    planned.forEach(({ refund }, index) => {
      const outcome = outcomes[index];
      if (outcome.kind === 'unresolved') {
        stillPending.push({ creditNoteId: refund.creditNoteId, refundId: outcome.refundId });
        return;
      }
      const failed = outcome.kind === 'failed';
      finals.push({
        creditNoteId: refund.creditNoteId,
        status: outcome.kind,
        providerRefundId: outcome.refundId,
        errorCode: failed ? outcome.errorCode : null,
        errorMessage: failed ? outcome.message : null,
      });
    });
    await noteProviderRefundIds(manager, stillPending);
    const resolved = await resolvePendingRefunds(manager, finals, now);
    const plannedByCreditNote = new Map(planned.map((p) => [p.refund.creditNoteId, p]));
    const events = resolved.map((refund) => {
      const { invoice, event } = plannedByCreditNote.get(refund.creditNoteId)!;
      const log = logger.child({ eventId: event.eventId, creditNoteId: refund.creditNoteId, invoiceId: refund.invoiceId });
      const common = {
        creditNoteId: refund.creditNoteId,
        creditNoteNumber: event.payload.creditNoteNumber,
        invoiceId: refund.invoiceId,
        invoiceNumber: invoice.invoiceNumber,
        amountMinor: refund.amountMinor,
        currency: refund.currency,
      };
      if (refund.status === 'succeeded') {
        log.info({ providerRefundId: refund.providerRefundId, amountMinor: refund.amountMinor }, 'refund succeeded');
        return createEvent(RefundSucceededV1, metaOf(event, now), {
          ...common,
          providerRefundId: refund.providerRefundId!,
          providerPaymentIntentId: refund.providerPaymentIntentId,
          succeededAt: now.toISOString(),
        });
      }
      log.warn({ errorCode: refund.errorCode, amountMinor: refund.amountMinor }, 'refund failed at the provider: finance refunds it by hand');
      return createEvent(RefundFailedV1, metaOf(event, now), {
        ...common,
        errorCode: refund.errorCode,
        message: (refund.errorMessage ?? 'the provider refused the refund').slice(0, 1000),
        failedAt: now.toISOString(),
      });
    });
    await appendToOutbox(manager, events);
  }
}

function metaOf(event: CreditNoteIssued, now: Date) {
  return eventMeta(PRODUCER, now.toISOString(), causedBy(event));
}
