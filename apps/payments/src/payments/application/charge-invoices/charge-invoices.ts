import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ChargeSkippedV1, Envelope, EventOf, createEvent } from '@billing/events';
import { CLOCK, Clock, Logger, PermanentError, appendToOutbox, causedBy, eventMeta } from '@billing/messaging';
import { chargeIdempotencyKey, decideCharge, SkipReason } from '../../domain/decide-charge';
import { PaymentAccount, applyMethodChange, instrumentForAttempt } from '../../domain/payment-account';
import { AttemptRow, NewAttempt, attemptKey } from '../../domain/charge-attempt';
import { InvoiceSnapshot } from '../../domain/invoice-snapshot';
import { findAttemptsOfInvoices, insertAttempts, notePaymentIntents } from '../../infrastructure/charge-attempt-store';
import { findInvoices, saveInvoiceSnapshots } from '../../infrastructure/invoice-snapshot-store';
import { findPaymentAccounts, savePaymentAccounts } from '../../infrastructure/payment-account-store';
import { callProviderPaced } from '../call-provider-paced';
import { OffSessionCharge, PAYMENT_PROVIDER, PaymentProvider, ProviderChargeOutcome } from '../payment-provider';
import { PROVIDER_CALL_OPTIONS, ProviderCallOptions, planCallRecord } from '../plan-call-record';
import { PROVIDER_PACE, ProviderPace, batchTurn } from '../provider-pace';
import { OutcomeToRecord, PRODUCER, recordChargeOutcomes } from '../record-charge-outcomes';
import { snapshotOf } from '../snapshot-of';

export type ChargeRequestEvent = EventOf<'InvoiceGenerated'> | EventOf<'ChargeRetryRequested'>;
/** What the charge-invoices consumer reads: charge requests and the accounts' method changes. */
export type ChargeInvoicesEvent = ChargeRequestEvent | EventOf<'AccountPaymentMethodChanged'>;

interface PlannedCharge {
  attempt: AttemptRow;
  invoice: InvoiceSnapshot;
  event: ChargeRequestEvent;
}

interface PlannedSkip {
  attempt: NewAttempt & { skipReason: SkipReason };
  invoice: InvoiceSnapshot;
  event: ChargeRequestEvent;
}

interface Plan {
  charges: PlannedCharge[];
  skips: PlannedSkip[];
  /** Accounts whose current method this batch changed: saved with the outcomes (inbox transaction). */
  accounts: PaymentAccount[];
}

/**
 * Charges what each invoice says is still outstanding (InvoiceGenerated = attempt 1,
 * ChargeRetryRequested = attempt n), exactly once per (invoice, attempt).
 *
 * The provider call is an effect outside any database transaction, so one batch runs in
 * three steps:
 * 1. Plan — its own short transaction, committed at once: store the invoice snapshots and,
 *    for each attempt to charge, a `pending` row carrying its idempotency key and the exact
 *    amount (UNIQUE (invoice_id, attempt)). An attempt that is already final changes nothing.
 * 2. Call the provider for every pending attempt (bounded concurrency), with that key, at the
 *    pace the whole consumer group shares (a 429 slows it and the same call goes out again).
 * 3. Record — in the consumer's inbox transaction: the outcomes (only rows still pending
 *    change), ChargeSucceeded / ChargeFailed / ChargeSkipped in the outbox.
 * The instrument of every attempt is the account's current one (AccountPaymentMethodChanged,
 * read by this same consumer because it shares the account's partition with InvoiceGenerated):
 * the batch's method changes are applied in partition order, so an invoice is charged with the
 * method current at its place in the partition, and stored on the attempt row. The changes are
 * saved in step 3, so a redelivered batch decides exactly as the first delivery did.
 * A crash between 2 and 3 leaves the pending row and no inbox row: the event is redelivered,
 * the provider is called again with the same key and parameters, Stripe replays its first
 * answer, and the outcome is recorded once. The webhook may resolve the pending attempt
 * first; then step 3 finds nothing pending and emits nothing.
 */
@Injectable()
export class ChargeInvoices {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PROVIDER_CALL_OPTIONS) private readonly options: ProviderCallOptions,
    @Inject(PROVIDER_PACE) private readonly pace: ProviderPace | null,
  ) {}

  async execute(
    events: readonly ChargeInvoicesEvent[],
    manager: EntityManager,
    logger: Logger,
    heartbeat: () => Promise<void> = async () => undefined,
  ): Promise<void> {
    const turn = batchTurn();
    await planCallRecord(this.dataSource, this.options, {
      plan: (planning) => this.plan(events, planning, logger),
      callsOf: (plan) => plan.charges,
      call: (charge) => this.charge(charge, logger, heartbeat, turn),
      record: (plan, outcomes) => this.record(manager, plan, outcomes, logger),
    });
  }

  private async plan(events: readonly ChargeInvoicesEvent[], manager: EntityManager, logger: Logger): Promise<Plan> {
    const now = this.clock.now();
    await saveInvoiceSnapshots(
      manager,
      events.filter((e): e is EventOf<'InvoiceGenerated'> => e.type === 'InvoiceGenerated').map(snapshotOf),
      now,
    );
    const requests = events.filter((e): e is ChargeRequestEvent => e.type !== 'AccountPaymentMethodChanged');
    const invoiceIds = requests.map((e) => e.payload.invoiceId);
    const invoices = await findInvoices(manager, invoiceIds, { lock: true });
    const existing = await findAttemptsOfInvoices(manager, invoiceIds);
    const current = await findPaymentAccounts(manager, [
      ...events.map((e) => e.accountId),
      ...[...invoices.values()].map((i) => i.accountId),
    ]);
    const changed = new Map<string, PaymentAccount>();

    const toCharge = new Map<string, { invoice: InvoiceSnapshot; event: ChargeRequestEvent }>();
    const skips: PlannedSkip[] = [];
    const newPending: NewAttempt[] = [];
    const seen = new Set<string>();
    for (const event of events) {
      if (event.type === 'AccountPaymentMethodChanged') {
        const account = applyMethodChange(current.get(event.accountId), methodOf(event));
        current.set(event.accountId, account);
        if (account.sourceEventId === event.eventId) changed.set(event.accountId, account);
        else logger.info({ eventId: event.eventId, accountId: event.accountId }, 'older payment method change ignored');
        continue;
      }
      const { invoiceId } = event.payload;
      const attempt = event.type === 'InvoiceGenerated' ? 1 : event.payload.attempt;
      const key = attemptKey(invoiceId, attempt);
      const log = logger.child({ eventId: event.eventId, correlationId: event.correlationId, invoiceId, attempt });
      const invoice = invoices.get(invoiceId);
      if (invoice === undefined) {
        throw new PermanentError('unknown_invoice', `${event.type} ${event.eventId}: invoice ${invoiceId} was never received`);
      }
      if (seen.has(key)) continue;
      seen.add(key);

      const stored = existing.get(key);
      if (stored !== undefined) {
        if (stored.status === 'pending') {
          log.warn('attempt left pending by an earlier run: calling the provider again with the same idempotency key');
          toCharge.set(key, { invoice, event });
        } else {
          log.info({ status: stored.status }, 'attempt already has its outcome; nothing to do');
        }
        continue;
      }

      const instrument = instrumentForAttempt(current.get(invoice.accountId), invoice);
      const decision = decideCharge({ ...invoice, paymentMethodId: instrument.paymentMethodId, attempt });
      const base = {
        invoiceId,
        attempt,
        idempotencyKey: chargeIdempotencyKey(invoiceId, attempt),
        currency: invoice.currency,
        requestedByEventId: event.eventId,
        correlationId: event.correlationId,
      };
      if (decision.kind === 'refuse') {
        log.error({ code: decision.code }, 'invoice amount cannot be charged at the provider');
        throw new PermanentError(`provider_amount_${decision.code}`, `invoice ${invoiceId}: ${decision.message}`);
      }
      if (decision.kind === 'skip') {
        skips.push({
          attempt: {
            ...base,
            amountMinor: decision.amountMinor,
            providerAmount: null,
            providerCurrency: null,
            paymentMethodId: null,
            providerCustomerId: null,
            skipReason: decision.reason,
          },
          invoice,
          event,
        });
        continue;
      }
      newPending.push({
        ...base,
        amountMinor: decision.amountMinor,
        providerAmount: decision.providerAmount,
        providerCurrency: decision.providerCurrency,
        ...instrument,
        skipReason: null,
      });
      toCharge.set(key, { invoice, event });
    }

    await insertAttempts(manager, newPending, now);
    // The stored rows are authoritative: a repeat must send exactly the first call's parameters.
    const stored = await findAttemptsOfInvoices(
      manager,
      [...toCharge.values()].map((c) => c.invoice.invoiceId),
    );
    const charges: PlannedCharge[] = [];
    for (const [key, { invoice, event }] of toCharge) {
      const attempt = stored.get(key);
      if (attempt?.status === 'pending') charges.push({ attempt, invoice, event });
    }
    return { charges, skips, accounts: [...changed.values()] };
  }

  private charge({ attempt, invoice }: PlannedCharge, logger: Logger, heartbeat: () => Promise<void>, turn: number): Promise<ProviderChargeOutcome> {
    // The stored instrument (a row from before the column has none: the snapshot's was used).
    const instrument = attempt.paymentMethodId === null ? invoice : attempt;
    const request: OffSessionCharge = {
      idempotencyKey: attempt.idempotencyKey,
      amount: attempt.providerAmount!,
      currency: attempt.providerCurrency!,
      customerId: instrument.providerCustomerId,
      paymentMethodId: instrument.paymentMethodId!,
      metadata: { invoice_id: invoice.invoiceId, account_id: invoice.accountId, attempt: String(attempt.attempt) },
    };
    const log = logger.child({ invoiceId: invoice.invoiceId, attempt: attempt.attempt, paymentMethodId: instrument.paymentMethodId });
    return callProviderPaced(this.pace, request, (slot) => this.provider.chargeOffSession(request, log, slot), { logger: log, heartbeat, turn });
  }

  private async record(manager: EntityManager, plan: Plan, outcomes: ProviderChargeOutcome[], logger: Logger): Promise<void> {
    const now = this.clock.now();
    await savePaymentAccounts(manager, plan.accounts, now);

    const inserted = await insertAttempts(
      manager,
      plan.skips.map((s) => s.attempt),
      now,
    );
    const skipped: Envelope[] = [];
    for (const { attempt, invoice, event } of plan.skips) {
      if (!inserted.has(attemptKey(attempt.invoiceId, attempt.attempt))) continue;
      skipped.push(
        createEvent(
          ChargeSkippedV1,
          eventMeta(PRODUCER, now.toISOString(), { ...causedBy(event), accountId: invoice.accountId }),
          {
            invoiceId: invoice.invoiceId,
            invoiceNumber: invoice.invoiceNumber,
            reason: attempt.skipReason,
            amountMinor: attempt.amountMinor,
            currency: invoice.currency,
            skippedAt: now.toISOString(),
          },
        ),
      );
      const log = logger.child({ eventId: event.eventId, correlationId: event.correlationId, invoiceId: invoice.invoiceId });
      const level = attempt.skipReason === 'nothing_to_collect' ? 'info' : 'warn';
      log[level]({ attempt: attempt.attempt, reason: attempt.skipReason, amountMinor: attempt.amountMinor }, 'charge skipped: no provider call');
    }
    await appendToOutbox(manager, skipped);

    const finals: OutcomeToRecord[] = [];
    const stillPending: { invoiceId: string; attempt: number; paymentIntentId: string }[] = [];
    plan.charges.forEach(({ attempt, event }, index) => {
      const outcome = outcomes[index];
      const target = { invoiceId: attempt.invoiceId, attempt: attempt.attempt };
      if (outcome.kind === 'unresolved') {
        stillPending.push({ ...target, paymentIntentId: outcome.paymentIntentId });
        return;
      }
      finals.push({
        causationId: event.eventId,
        resolution:
          outcome.kind === 'succeeded'
            ? {
                ...target,
                status: 'succeeded',
                providerPaymentIntentId: outcome.paymentIntentId,
                providerChargeId: outcome.chargeId,
                errorCode: null,
                declineCode: null,
                errorMessage: null,
                retryable: null,
              }
            : {
                ...target,
                status: 'failed',
                providerPaymentIntentId: outcome.paymentIntentId,
                providerChargeId: outcome.chargeId,
                errorCode: outcome.errorCode,
                declineCode: outcome.declineCode,
                errorMessage: outcome.message,
                retryable: outcome.retryable,
              },
      });
    });
    await notePaymentIntents(manager, stillPending);
    const resolved = await recordChargeOutcomes(manager, finals, now, 'consumer');
    const resolvedKeys = new Set(resolved.map((a) => attemptKey(a.invoiceId, a.attempt)));
    for (const { resolution } of finals) {
      const log = logger.child({ invoiceId: resolution.invoiceId, attempt: resolution.attempt, paymentIntentId: resolution.providerPaymentIntentId });
      if (!resolvedKeys.has(attemptKey(resolution.invoiceId, resolution.attempt))) {
        log.info({ status: resolution.status }, 'attempt was resolved meanwhile (webhook); nothing emitted');
      } else if (resolution.status === 'succeeded') {
        log.info('charge succeeded');
      } else {
        log.warn({ errorCode: resolution.errorCode, declineCode: resolution.declineCode, retryable: resolution.retryable }, 'charge declined');
      }
    }
  }
}

function methodOf(event: EventOf<'AccountPaymentMethodChanged'>): PaymentAccount {
  return {
    accountId: event.accountId,
    providerCustomerId: event.payload.providerCustomerId,
    paymentMethodId: event.payload.paymentMethodId,
    changedAt: event.payload.changedAt,
    sourceEventId: event.eventId,
  };
}
