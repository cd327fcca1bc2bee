import { BillingEvent } from '@billing/events';

/**
 * Corrections as finance rows: credit notes (and voids) that invoicing issued, how payments settled
 * each one (applied to what was outstanding, refunded, or turned into account credit) and the
 * outcome of each refund. Every row is keyed by the credit note it belongs to, so a redelivery,
 * a replay or a fact re-emitted under a new event id changes nothing.
 */

type EventOfType<T extends BillingEvent['type']> = Extract<BillingEvent, { type: T }>;

/** An issued credit note (`kind: 'void'` for the full note a void issues), keyed by its id. */
export interface CreditNoteRow {
  creditNoteId: string;
  creditNoteNumber: string;
  invoiceId: string;
  invoiceNumber: string;
  accountId: string;
  kind: 'credit' | 'void';
  reason: string;
  currency: string;
  totalMinor: number;
  invoiceTotalMinor: number;
  creditedBeforeMinor: number;
  paidPartTo: 'refund' | 'account_credit';
  lines: { lineId: string; description: string; amountMinor: number }[];
  issuedAt: string;
  issuedBy: string;
  eventId: string;
}

/** How payments applied a credit note to the invoice's money (once per credit note). */
export interface CreditNoteSettlementRow {
  creditNoteId: string;
  creditNoteNumber: string;
  invoiceId: string;
  invoiceNumber: string;
  accountId: string;
  currency: string;
  totalMinor: number;
  appliedToOutstandingMinor: number;
  refundMinor: number;
  accountCreditMinor: number;
  outstandingAfterMinor: number;
  settledAt: string;
  eventId: string;
}

export type RefundOutcome = 'succeeded' | 'failed';

/** The provider's answer to a credit note's refund, keyed by (credit note, outcome). */
export interface RefundRow {
  creditNoteId: string;
  outcome: RefundOutcome;
  creditNoteNumber: string;
  invoiceId: string;
  invoiceNumber: string;
  accountId: string;
  amountMinor: number;
  currency: string;
  providerRefundId: string | null;
  providerPaymentIntentId: string | null;
  errorCode: string | null;
  message: string | null;
  occurredAt: string;
  eventId: string;
}

/** A ledger line for a correction: its key (the fact), the invoice it corrects, its amount and detail. */
export interface CorrectionEntry {
  entryKey: string;
  invoiceId: string;
  invoiceNumber: string;
  amountMinor: number;
  currency: string;
  detail: Record<string, unknown>;
}

export function creditNoteRow({ eventId, accountId, payload: p }: EventOfType<'CreditNoteIssued'>): CreditNoteRow {
  return {
    creditNoteId: p.creditNoteId,
    creditNoteNumber: p.creditNoteNumber,
    invoiceId: p.invoiceId,
    invoiceNumber: p.invoiceNumber,
    accountId,
    kind: p.kind,
    reason: p.reason,
    currency: p.currency,
    totalMinor: p.totalMinor,
    invoiceTotalMinor: p.invoiceTotalMinor,
    creditedBeforeMinor: p.creditedBeforeMinor,
    paidPartTo: p.paidPartTo,
    lines: p.lines.map((l) => ({ lineId: l.lineId, description: l.description, amountMinor: l.amountMinor })),
    issuedAt: p.issuedAt,
    issuedBy: p.issuedBy,
    eventId,
  };
}

export function settlementRow({ eventId, accountId, payload: p }: EventOfType<'CreditNoteSettled'>): CreditNoteSettlementRow {
  return {
    creditNoteId: p.creditNoteId,
    creditNoteNumber: p.creditNoteNumber,
    invoiceId: p.invoiceId,
    invoiceNumber: p.invoiceNumber,
    accountId,
    currency: p.currency,
    totalMinor: p.totalMinor,
    appliedToOutstandingMinor: p.appliedToOutstandingMinor,
    refundMinor: p.refundMinor,
    accountCreditMinor: p.accountCreditMinor,
    outstandingAfterMinor: p.outstandingAfterMinor,
    settledAt: p.settledAt,
    eventId,
  };
}

export function refundRow(event: EventOfType<'RefundSucceeded' | 'RefundFailed'>): RefundRow {
  const p = event.payload;
  const base = {
    creditNoteId: p.creditNoteId,
    creditNoteNumber: p.creditNoteNumber,
    invoiceId: p.invoiceId,
    invoiceNumber: p.invoiceNumber,
    accountId: event.accountId,
    amountMinor: p.amountMinor,
    currency: p.currency,
    eventId: event.eventId,
  };
  return event.type === 'RefundSucceeded'
    ? {
        ...base,
        outcome: 'succeeded',
        providerRefundId: event.payload.providerRefundId,
        providerPaymentIntentId: event.payload.providerPaymentIntentId,
        errorCode: null,
        message: null,
        occurredAt: event.payload.succeededAt,
      }
    : {
        ...base,
        outcome: 'failed',
        providerRefundId: null,
        providerPaymentIntentId: null,
        errorCode: event.payload.errorCode,
        message: event.payload.message,
        occurredAt: event.payload.failedAt,
      };
}

const entryOf = (
  entryKey: string,
  row: { invoiceId: string; invoiceNumber: string; currency: string; creditNoteId: string; creditNoteNumber: string },
  amountMinor: number,
  detail: Record<string, unknown>,
): CorrectionEntry => ({
  entryKey,
  invoiceId: row.invoiceId,
  invoiceNumber: row.invoiceNumber,
  amountMinor,
  currency: row.currency,
  detail: { creditNoteId: row.creditNoteId, creditNoteNumber: row.creditNoteNumber, ...detail },
});

export const creditNoteEntry = (n: CreditNoteRow): CorrectionEntry =>
  entryOf(`credit-note:${n.creditNoteId}`, n, n.totalMinor, {
    kind: n.kind,
    reason: n.reason,
    paidPartTo: n.paidPartTo,
    issuedAt: n.issuedAt,
    issuedBy: n.issuedBy,
    lines: n.lines.length,
    invoiceTotalMinor: n.invoiceTotalMinor,
    creditedBeforeMinor: n.creditedBeforeMinor,
  });

export const settlementEntry = (s: CreditNoteSettlementRow): CorrectionEntry =>
  entryOf(`credit-note-settled:${s.creditNoteId}`, s, s.totalMinor, {
    appliedToOutstandingMinor: s.appliedToOutstandingMinor,
    refundMinor: s.refundMinor,
    accountCreditMinor: s.accountCreditMinor,
    outstandingAfterMinor: s.outstandingAfterMinor,
    settledAt: s.settledAt,
  });

export const refundEntry = (r: RefundRow): CorrectionEntry =>
  entryOf(
    `refund:${r.creditNoteId}:${r.outcome}`,
    r,
    r.amountMinor,
    r.outcome === 'succeeded'
      ? { outcome: r.outcome, providerRefundId: r.providerRefundId, at: r.occurredAt }
      : { outcome: r.outcome, errorCode: r.errorCode, message: r.message, at: r.occurredAt },
  );
