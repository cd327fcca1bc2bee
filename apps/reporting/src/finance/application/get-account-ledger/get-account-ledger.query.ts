import { DataSource } from 'typeorm';
import { toUtcIsoOrNull } from '@billing/messaging';
import { Table } from '../../infrastructure/http/csv';
import { toNullableNumber } from '../../infrastructure/sql';

/**
 * The event types an account's ledger shows: its invoices, charge attempts, offline payments (with
 * method and reference), retries, payment method changes, holds, emails, and corrections: credit
 * notes and voids (at their issue instant), how payments settled each, and refunds (succeeded or
 * failed), each with the invoice it corrects and its credit note number.
 */
export const LEDGER_TYPES = [
  'InvoiceGenerated',
  'ChargeSucceeded',
  'ChargeFailed',
  'ChargeSkipped',
  'PaymentRecorded',
  'ChargeRetryRequested',
  'AccountPaymentMethodChanged',
  'AccountHoldPlaced',
  'AccountHoldReleased',
  'EmailSent',
  'EmailFailed',
  'CreditNoteIssued',
  'CreditNoteSettled',
  'RefundSucceeded',
  'RefundFailed',
] as const;

export interface LedgerEntry {
  position: number;
  occurredAt: string;
  type: string;
  eventId: string;
  invoiceId: string | null;
  invoiceNumber: string | null;
  amountMinor: number | null;
  currency: string | null;
  detail: Record<string, unknown>;
}

export interface AccountLedgerPage {
  accountId: string;
  items: LedgerEntry[];
  nextCursor: string | null;
}

/**
 * One account's entries in order: by the event's occurredAt, then by stage (invoice, payment,
 * collections, email) for facts of the same instant, then by the order they arrived in (which,
 * within one topic, is the account's partition order). Pages are positions in that order.
 */
export async function getAccountLedger(
  dataSource: DataSource,
  accountId: string,
  limit: number,
  offset: number,
  encode: (position: { offset: number }) => string,
): Promise<AccountLedgerPage> {
  const rows = await dataSource.query(
    `SELECT event_id, type, occurred_at, invoice_id, invoice_number, amount_minor, currency, detail
     FROM projection_events
     WHERE account_id = $1 AND type = ANY($2::text[])
     ORDER BY occurred_at, topic_rank, seq
     LIMIT $3 OFFSET $4`,
    [accountId, LEDGER_TYPES, limit + 1, offset],
  );
  const items: LedgerEntry[] = rows.slice(0, limit).map((r: Record<string, unknown>, i: number) => ({
    position: offset + i + 1,
    occurredAt: toUtcIsoOrNull(r.occurred_at)!,
    type: String(r.type),
    eventId: String(r.event_id),
    invoiceId: (r.invoice_id as string | null) ?? null,
    invoiceNumber: (r.invoice_number as string | null) ?? null,
    amountMinor: toNullableNumber(r.amount_minor),
    currency: (r.currency as string | null)?.trim() ?? null,
    detail: r.detail as Record<string, unknown>,
  }));
  return { accountId, items, nextCursor: rows.length > limit ? encode({ offset: offset + limit }) : null };
}

export function ledgerTable(page: AccountLedgerPage): Table {
  return {
    columns: ['account_id', 'position', 'occurred_at', 'type', 'event_id', 'invoice_id', 'invoice_number', 'amount_minor', 'currency', 'detail'],
    rows: page.items.map((e) => [
      page.accountId,
      e.position,
      e.occurredAt,
      e.type,
      e.eventId,
      e.invoiceId,
      e.invoiceNumber,
      e.amountMinor,
      e.currency,
      JSON.stringify(e.detail),
    ]),
  };
}
