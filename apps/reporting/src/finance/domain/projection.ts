import { BillingEvent, TOPICS, TopicName, contractFor } from '@billing/events';
import {
  CorrectionEntry,
  CreditNoteRow,
  CreditNoteSettlementRow,
  RefundRow,
  creditNoteEntry,
  creditNoteRow,
  refundEntry,
  refundRow,
  settlementEntry,
  settlementRow,
} from './corrections';

/**
 * How events become finance rows. Pure: the projector writes what this returns. Every row is
 * keyed by the business fact it records (invoice id, (invoice, outcome, attempt), hold id,
 * (email key, status)), so applying the same facts again — a redelivery, a replay, a fact
 * re-emitted under a new event id — leaves the tables as they were. Rows of one batch that
 * share a key are merged here with the same rule the database upsert uses, so the result does
 * not depend on how events were split into batches.
 */

export interface RunRow {
  runId: string;
  period: string;
  requestedAt: string | null;
  requestedBy: string | null;
  accountsInScope: number | null;
  invoiced: number | null;
  zeroTotal: number | null;
  remaining: number | null;
  /** 0 no counts yet, 1 from MonthCloseProgressed, 2 from MonthCloseCompleted. */
  countsRank: number;
  countsAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
}

/**
 * An account a month-close run could not invoice, with its code and reason. Keyed by (run,
 * account): a later failure of the same account (after a retry) replaces it. It is open while
 * the account has no invoice of that run; the report reads it that way, so the order in which a
 * failure and the invoice of a retried account arrive does not matter.
 */
export interface RunFailureRow {
  runId: string;
  accountId: string;
  period: string;
  code: string;
  reason: string;
  failedAt: string;
  eventId: string;
}

/** The later failure of a (run, account) wins; the same instant keeps the first seen. */
export function mergeFailure(current: RunFailureRow, next: RunFailureRow): RunFailureRow {
  return Date.parse(next.failedAt) > Date.parse(current.failedAt) ? next : current;
}

export interface InvoiceRow {
  invoiceId: string;
  invoiceNumber: string;
  accountId: string;
  runId: string;
  period: string;
  periodStart: string;
  periodEnd: string;
  currency: string;
  subtotalMinor: number;
  creditAppliedMinor: number;
  totalMinor: number;
  issuedAt: string;
  dueAt: string;
  requiresCharge: boolean;
  /** How invoicing decided to collect it (absent on older events). */
  collection: string | null;
  /** The part of the total carried to the account's next invoice (below the provider minimum); 0 otherwise. */
  carriedForwardMinor: number;
  customerName: string;
  customerEmail: string;
  eventId: string;
}

export interface InvoiceLineRow {
  invoiceId: string;
  lineId: string;
  sku: string;
  description: string;
  resourceId: string | null;
  unit: string;
  quantity: string;
  unitPrice: string;
  amountMinor: number;
  currency: string;
  capped: boolean;
  usagePeriod: string;
  /** `carried_balance`: an earlier invoice's total billed again here (revenue of its own month, not of this one). */
  kind: 'usage' | 'carried_balance';
  carriedFromInvoiceId: string | null;
  carriedFromInvoiceNumber: string | null;
}

export type ChargeOutcome = 'succeeded' | 'failed' | 'skipped';

export interface ChargeAttemptRow {
  invoiceId: string;
  outcome: ChargeOutcome;
  /** The provider attempt number; 0 for a skip (no provider call was made). */
  attempt: number;
  accountId: string;
  invoiceNumber: string;
  amountMinor: number;
  currency: string;
  /** Failure: the provider error code; skip: the reason. */
  code: string | null;
  declineCode: string | null;
  message: string | null;
  retryable: boolean | null;
  providerPaymentIntentId: string | null;
  providerChargeId: string | null;
  /** The payment method the attempt charged (absent on older events and on skips). */
  paymentMethodId: string | null;
  occurredAt: string;
  eventId: string;
}

/** A payment received outside the provider (PaymentRecorded), keyed by its payment id. */
export interface OfflinePaymentRow {
  paymentId: string;
  invoiceId: string;
  invoiceNumber: string;
  accountId: string;
  method: string;
  amountMinor: number;
  currency: string;
  reference: string;
  receivedAt: string;
  recordedAt: string;
  recordedBy: string;
  outstandingAfterMinor: number;
  eventId: string;
}

export interface HoldRow {
  holdId: string;
  accountId: string;
  reason: string | null;
  unpaidInvoices: { invoiceId: string; invoiceNumber: string; amountMinor: number; currency: string }[] | null;
  placedAt: string | null;
  releasedAt: string | null;
  releaseReason: string | null;
  releasedBy: string | null;
  note: string | null;
  placedEventId: string | null;
  releasedEventId: string | null;
}

export interface EmailRow {
  emailKey: string;
  status: 'sent' | 'failed';
  accountId: string;
  template: string;
  subjectId: string;
  invoiceId: string | null;
  messageId: string | null;
  reason: string | null;
  smtpCode: number | null;
  occurredAt: string;
  correlationId: string;
  eventId: string;
}

/** One line of an account's ledger. */
export interface LedgerEntryRow {
  eventId: string;
  /** The fact this entry records; a second event for the same fact adds no entry. */
  entryKey: string;
  accountId: string;
  type: string;
  /** Orders facts of one instant by stage: usage, month close, invoice, payment, collections, email. */
  topicRank: number;
  occurredAt: string;
  correlationId: string;
  invoiceId: string | null;
  invoiceNumber: string | null;
  amountMinor: number | null;
  currency: string | null;
  detail: Record<string, unknown>;
}

export interface ProjectionBatch {
  runs: RunRow[];
  failures: RunFailureRow[];
  invoices: InvoiceRow[];
  lines: InvoiceLineRow[];
  attempts: ChargeAttemptRow[];
  payments: OfflinePaymentRow[];
  holds: HoldRow[];
  emails: EmailRow[];
  creditNotes: CreditNoteRow[];
  settlements: CreditNoteSettlementRow[];
  refunds: RefundRow[];
  entries: LedgerEntryRow[];
}

export const TOPIC_RANK: Record<TopicName, number> = {
  [TOPICS.usage]: 0,
  [TOPICS.monthClose]: 1,
  [TOPICS.invoices]: 2,
  [TOPICS.payments]: 3,
  [TOPICS.collections]: 4,
  [TOPICS.notifications]: 5,
  [TOPICS.deadLetter]: 6,
};

/** The later fact's counts win: completed over progressed, then the later instant. */
export function countsWin(candidate: Pick<RunRow, 'countsRank' | 'countsAt'>, current: Pick<RunRow, 'countsRank' | 'countsAt'>): boolean {
  if (candidate.countsRank !== current.countsRank) return candidate.countsRank > current.countsRank;
  if (candidate.countsRank === 0) return false;
  return Date.parse(candidate.countsAt ?? '') > Date.parse(current.countsAt ?? '');
}

export function mergeRun(current: RunRow, next: RunRow): RunRow {
  const counts = countsWin(next, current) ? next : current;
  return {
    runId: current.runId,
    period: current.period,
    requestedAt: current.requestedAt ?? next.requestedAt,
    requestedBy: current.requestedBy ?? next.requestedBy,
    accountsInScope: counts.accountsInScope,
    invoiced: counts.invoiced,
    zeroTotal: counts.zeroTotal,
    remaining: counts.remaining,
    countsRank: counts.countsRank,
    countsAt: counts.countsAt,
    startedAt: current.startedAt ?? next.startedAt,
    completedAt: current.completedAt ?? next.completedAt,
  };
}

/** Placement and release are immutable facts: the first seen of each is kept. */
export function mergeHold(current: HoldRow, next: HoldRow): HoldRow {
  return {
    holdId: current.holdId,
    accountId: current.accountId,
    reason: current.reason ?? next.reason,
    unpaidInvoices: current.unpaidInvoices ?? next.unpaidInvoices,
    placedAt: current.placedAt ?? next.placedAt,
    releasedAt: current.releasedAt ?? next.releasedAt,
    releaseReason: current.releaseReason ?? next.releaseReason,
    releasedBy: current.releasedBy ?? next.releasedBy,
    note: current.note ?? next.note,
    placedEventId: current.placedEventId ?? next.placedEventId,
    releasedEventId: current.releasedEventId ?? next.releasedEventId,
  };
}

const emptyRun = (runId: string, period: string): RunRow => ({
  runId,
  period,
  requestedAt: null,
  requestedBy: null,
  accountsInScope: null,
  invoiced: null,
  zeroTotal: null,
  remaining: null,
  countsRank: 0,
  countsAt: null,
  startedAt: null,
  completedAt: null,
});

/** A run row with the counts of MonthCloseProgressed (rank 1) or MonthCloseCompleted (rank 2). */
const runWithCounts = (
  counted: Pick<RunRow, 'runId' | 'period'> & { accountsInScope: number; invoiced: number; zeroTotal: number },
  { remaining, countsRank, countsAt }: { remaining: number; countsRank: 1 | 2; countsAt: string },
): RunRow => ({
  ...emptyRun(counted.runId, counted.period),
  accountsInScope: counted.accountsInScope,
  invoiced: counted.invoiced,
  zeroTotal: counted.zeroTotal,
  remaining,
  countsRank,
  countsAt,
});

const emptyHold = (holdId: string, accountId: string): HoldRow => ({
  holdId,
  accountId,
  reason: null,
  unpaidInvoices: null,
  placedAt: null,
  releasedAt: null,
  releaseReason: null,
  releasedBy: null,
  note: null,
  placedEventId: null,
  releasedEventId: null,
});

class KeyedRows<T> {
  private readonly rows = new Map<string, T>();
  constructor(private readonly merge: (current: T, next: T) => T = (current) => current) {}
  add(key: string, row: T): void {
    const current = this.rows.get(key);
    this.rows.set(key, current === undefined ? row : this.merge(current, row));
  }
  values(): T[] {
    return [...this.rows.values()];
  }
}

/** Maps a batch of events (in partition order) to the rows they add or complete. */
export function projectEvents(events: readonly BillingEvent[]): ProjectionBatch {
  const runs = new KeyedRows<RunRow>(mergeRun);
  const failures = new KeyedRows<RunFailureRow>(mergeFailure);
  const invoices = new KeyedRows<InvoiceRow>();
  const lines = new KeyedRows<InvoiceLineRow>();
  const attempts = new KeyedRows<ChargeAttemptRow>();
  const payments = new KeyedRows<OfflinePaymentRow>();
  const holds = new KeyedRows<HoldRow>(mergeHold);
  const emails = new KeyedRows<EmailRow>();
  const creditNotes = new KeyedRows<CreditNoteRow>();
  const settlements = new KeyedRows<CreditNoteSettlementRow>();
  const refunds = new KeyedRows<RefundRow>();
  const entries = new KeyedRows<LedgerEntryRow>();
  const seenEventIds = new Set<string>();

  for (const event of events) {
    if (seenEventIds.has(event.eventId)) continue;
    seenEventIds.add(event.eventId);
    const entry = (
      entryKey: string,
      fields: Partial<Pick<LedgerEntryRow, 'invoiceId' | 'invoiceNumber' | 'amountMinor' | 'currency'>>,
      detail: Record<string, unknown>,
    ) =>
      entries.add(entryKey, {
        eventId: event.eventId,
        entryKey,
        accountId: event.accountId,
        type: event.type,
        topicRank: TOPIC_RANK[contractFor(event.type).topic],
        occurredAt: event.occurredAt,
        correlationId: event.correlationId,
        invoiceId: fields.invoiceId ?? null,
        invoiceNumber: fields.invoiceNumber ?? null,
        amountMinor: fields.amountMinor ?? null,
        currency: fields.currency ?? null,
        detail,
      });
    const correction = ({ entryKey, detail, ...fields }: CorrectionEntry) => entry(entryKey, fields, detail);

    switch (event.type) {
      case 'MonthCloseRequested': {
        const p = event.payload;
        runs.add(p.runId, { ...emptyRun(p.runId, p.period), requestedAt: p.requestedAt, requestedBy: p.requestedBy });
        entry(`run-requested:${p.runId}`, {}, { runId: p.runId, period: p.period, requestedBy: p.requestedBy });
        break;
      }
      case 'MonthCloseProgressed': {
        const p = event.payload;
        runs.add(p.runId, runWithCounts(p, { remaining: p.remaining, countsRank: 1, countsAt: p.at }));
        entry(event.eventId, {}, { runId: p.runId, period: p.period, invoiced: p.invoiced, remaining: p.remaining });
        break;
      }
      case 'MonthCloseCompleted': {
        const p = event.payload;
        runs.add(p.runId, {
          ...runWithCounts(p, { remaining: 0, countsRank: 2, countsAt: p.completedAt }),
          startedAt: p.startedAt,
          completedAt: p.completedAt,
        });
        entry(`run-completed:${p.runId}`, {}, { runId: p.runId, period: p.period, invoiced: p.invoiced, zeroTotal: p.zeroTotal });
        break;
      }
      case 'MonthCloseAccountFailed': {
        const p = event.payload;
        failures.add(`${p.runId}/${p.accountId}`, {
          runId: p.runId,
          accountId: p.accountId,
          period: p.period,
          code: p.code,
          reason: p.reason,
          failedAt: p.failedAt,
          eventId: event.eventId,
        });
        entry(`close-failed:${p.runId}:${p.failedAt}`, {}, { runId: p.runId, period: p.period, code: p.code, reason: p.reason });
        break;
      }
      case 'InvoiceGenerated': {
        const p = event.payload;
        invoices.add(p.invoiceId, {
          invoiceId: p.invoiceId,
          invoiceNumber: p.invoiceNumber,
          accountId: event.accountId,
          runId: p.runId,
          period: p.period,
          periodStart: p.periodStart,
          periodEnd: p.periodEnd,
          currency: p.currency,
          subtotalMinor: p.subtotalMinor,
          creditAppliedMinor: p.creditAppliedMinor,
          totalMinor: p.totalMinor,
          issuedAt: p.issuedAt,
          dueAt: p.dueAt,
          requiresCharge: p.requiresCharge,
          collection: p.collection ?? null,
          carriedForwardMinor: p.carriedForwardMinor ?? 0,
          customerName: p.customer.name,
          customerEmail: p.customer.email,
          eventId: event.eventId,
        });
        for (const line of p.lines) {
          lines.add(`${p.invoiceId}/${line.lineId}`, {
            invoiceId: p.invoiceId,
            lineId: line.lineId,
            sku: line.sku,
            description: line.description,
            resourceId: line.resourceId,
            unit: line.unit,
            quantity: line.quantity,
            unitPrice: line.unitPrice,
            amountMinor: line.amountMinor,
            currency: p.currency,
            capped: line.capped,
            usagePeriod: line.usagePeriod,
            kind: line.kind ?? 'usage',
            carriedFromInvoiceId: line.carriedFromInvoiceId ?? null,
            carriedFromInvoiceNumber: line.carriedFromInvoiceNumber ?? null,
          });
        }
        entry(
          `invoice:${p.invoiceId}`,
          { invoiceId: p.invoiceId, invoiceNumber: p.invoiceNumber, amountMinor: p.totalMinor, currency: p.currency },
          {
            period: p.period,
            subtotalMinor: p.subtotalMinor,
            creditAppliedMinor: p.creditAppliedMinor,
            issuedAt: p.issuedAt,
            dueAt: p.dueAt,
            lines: p.lines.length,
            ...(p.collection === undefined ? {} : { collection: p.collection }),
            ...(p.carriedForwardMinor ? { carriedForwardMinor: p.carriedForwardMinor } : {}),
          },
        );
        break;
      }
      case 'ChargeSucceeded':
      case 'ChargeFailed':
      case 'ChargeSkipped': {
        const row = attemptRow(event);
        attempts.add(`${row.invoiceId}/${row.outcome}/${row.attempt}`, row);
        entry(
          `charge:${row.invoiceId}:${row.outcome}:${row.attempt}`,
          { invoiceId: row.invoiceId, invoiceNumber: row.invoiceNumber, amountMinor: row.amountMinor, currency: row.currency },
          {
            outcome: row.outcome,
            attempt: row.attempt,
            ...(row.code === null ? {} : { code: row.code }),
            ...(row.declineCode === null ? {} : { declineCode: row.declineCode }),
            ...(row.retryable === null ? {} : { retryable: row.retryable }),
            ...(row.paymentMethodId === null ? {} : { paymentMethodId: row.paymentMethodId }),
          },
        );
        break;
      }
      case 'ChargeRetryRequested': {
        const p = event.payload;
        entry(`retry:${p.invoiceId}:${p.attempt}`, { invoiceId: p.invoiceId }, { attempt: p.attempt, scheduledFor: p.scheduledFor });
        break;
      }
      case 'AccountHoldPlaced': {
        const p = event.payload;
        const unpaid = p.unpaidInvoices.map((u) => ({
          invoiceId: u.invoiceId,
          invoiceNumber: u.invoiceNumber,
          amountMinor: u.amountMinor,
          currency: u.currency,
        }));
        holds.add(p.holdId, {
          ...emptyHold(p.holdId, event.accountId),
          reason: p.reason,
          unpaidInvoices: unpaid,
          placedAt: p.placedAt,
          placedEventId: event.eventId,
        });
        entry(`hold-placed:${p.holdId}`, {}, { holdId: p.holdId, reason: p.reason, unpaidInvoices: unpaid });
        break;
      }
      case 'AccountHoldReleased': {
        const p = event.payload;
        holds.add(p.holdId, {
          ...emptyHold(p.holdId, event.accountId),
          releasedAt: p.releasedAt,
          releaseReason: p.reason,
          releasedBy: p.releasedBy,
          note: p.note,
          releasedEventId: event.eventId,
        });
        entry(`hold-released:${p.holdId}`, {}, { holdId: p.holdId, reason: p.reason, releasedBy: p.releasedBy });
        break;
      }
      case 'EmailSent':
      case 'EmailFailed': {
        const p = event.payload;
        const sent = event.type === 'EmailSent';
        const row: EmailRow = {
          emailKey: p.emailKey,
          status: sent ? 'sent' : 'failed',
          accountId: event.accountId,
          template: p.template,
          subjectId: p.subjectId,
          invoiceId: p.invoiceId,
          messageId: event.type === 'EmailSent' ? event.payload.messageId : null,
          reason: event.type === 'EmailFailed' ? event.payload.reason : null,
          smtpCode: event.type === 'EmailFailed' ? event.payload.smtpCode : null,
          occurredAt: event.type === 'EmailSent' ? event.payload.sentAt : event.payload.failedAt,
          correlationId: event.correlationId,
          eventId: event.eventId,
        };
        emails.add(`${row.emailKey}/${row.status}`, row);
        entry(
          `email:${row.emailKey}:${row.status}`,
          { invoiceId: row.invoiceId },
          {
            template: row.template,
            status: row.status,
            subjectId: row.subjectId,
            ...(row.reason === null ? {} : { reason: row.reason, smtpCode: row.smtpCode }),
          },
        );
        break;
      }
      case 'AccountPaymentMethodChanged': {
        const p = event.payload;
        entry(`payment-method:${event.eventId}`, {}, { paymentMethodId: p.paymentMethodId, previousPaymentMethodId: p.previousPaymentMethodId });
        break;
      }
      case 'PaymentRecorded': {
        const p = event.payload;
        payments.add(p.paymentId, {
          paymentId: p.paymentId,
          invoiceId: p.invoiceId,
          invoiceNumber: p.invoiceNumber,
          accountId: event.accountId,
          method: p.method,
          amountMinor: p.amountMinor,
          currency: p.currency,
          reference: p.reference,
          receivedAt: p.receivedAt,
          recordedAt: p.recordedAt,
          recordedBy: p.recordedBy,
          outstandingAfterMinor: p.outstandingAfterMinor,
          eventId: event.eventId,
        });
        entry(
          `offline-payment:${p.paymentId}`,
          { invoiceId: p.invoiceId, invoiceNumber: p.invoiceNumber, amountMinor: p.amountMinor, currency: p.currency },
          {
            method: p.method,
            reference: p.reference,
            receivedAt: p.receivedAt,
            recordedBy: p.recordedBy,
            outstandingAfterMinor: p.outstandingAfterMinor,
          },
        );
        break;
      }
      case 'UsageRecorded': {
        const p = event.payload;
        entry(`usage:${event.accountId}:${p.usageId}`, {}, { usageId: p.usageId, sku: p.sku, resourceId: p.resourceId, quantity: p.quantity });
        break;
      }
      case 'CreditNoteIssued': {
        const row = creditNoteRow(event);
        creditNotes.add(row.creditNoteId, row);
        correction(creditNoteEntry(row));
        break;
      }
      case 'CreditNoteSettled': {
        const row = settlementRow(event);
        settlements.add(row.creditNoteId, row);
        correction(settlementEntry(row));
        break;
      }
      case 'RefundSucceeded':
      case 'RefundFailed': {
        const row = refundRow(event);
        refunds.add(`${row.creditNoteId}/${row.outcome}`, row);
        correction(refundEntry(row));
        break;
      }
      default: {
        const unknown: never = event;
        throw new RangeError(`no projection for event type ${(unknown as BillingEvent).type}`);
      }
    }
  }

  return {
    runs: runs.values(),
    failures: failures.values(),
    invoices: invoices.values(),
    lines: lines.values(),
    attempts: attempts.values(),
    payments: payments.values(),
    holds: holds.values(),
    emails: emails.values(),
    creditNotes: creditNotes.values(),
    settlements: settlements.values(),
    refunds: refunds.values(),
    entries: entries.values(),
  };
}

function attemptRow(event: Extract<BillingEvent, { type: 'ChargeSucceeded' | 'ChargeFailed' | 'ChargeSkipped' }>): ChargeAttemptRow {
  const base = {
    invoiceId: event.payload.invoiceId,
    accountId: event.accountId,
    invoiceNumber: event.payload.invoiceNumber,
    amountMinor: event.payload.amountMinor,
    currency: event.payload.currency,
    eventId: event.eventId,
  };
  switch (event.type) {
    case 'ChargeSucceeded':
      return {
        ...base,
        outcome: 'succeeded',
        attempt: event.payload.attempt,
        code: null,
        declineCode: null,
        message: null,
        retryable: null,
        providerPaymentIntentId: event.payload.providerPaymentIntentId,
        providerChargeId: event.payload.providerChargeId,
        paymentMethodId: event.payload.paymentMethodId ?? null,
        occurredAt: event.payload.succeededAt,
      };
    case 'ChargeFailed':
      return {
        ...base,
        outcome: 'failed',
        attempt: event.payload.attempt,
        code: event.payload.errorCode,
        declineCode: event.payload.declineCode,
        message: event.payload.message,
        retryable: event.payload.retryable,
        providerPaymentIntentId: event.payload.providerPaymentIntentId,
        providerChargeId: null,
        paymentMethodId: event.payload.paymentMethodId ?? null,
        occurredAt: event.payload.failedAt,
      };
    case 'ChargeSkipped':
      return {
        ...base,
        outcome: 'skipped',
        attempt: 0,
        code: event.payload.reason,
        declineCode: null,
        message: null,
        retryable: null,
        providerPaymentIntentId: null,
        providerChargeId: null,
        paymentMethodId: null,
        occurredAt: event.payload.skippedAt,
      };
  }
}
