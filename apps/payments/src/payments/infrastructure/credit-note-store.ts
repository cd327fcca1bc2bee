import { EntityManager } from 'typeorm';
import { CurrencyCode } from '@billing/money';
import { toSafeInteger, toUtcIso } from '@billing/messaging';
import { PaidPartTo } from '../domain/settle-credit-note';

/**
 * SQL of `credit_note_settlements` (one row per credit note: how it changed the invoice's money)
 * and `refunds` (one per credit note refunded to a card, pending before the provider call).
 */

export interface SettlementRow {
  creditNoteId: string;
  creditNoteNumber: string;
  invoiceId: string;
  currency: CurrencyCode;
  totalMinor: number;
  appliedToOutstandingMinor: number;
  refundMinor: number;
  accountCreditMinor: number;
  outstandingAfterMinor: number;
  paidPartTo: PaidPartTo;
  sourceEventId: string;
  correlationId: string;
}

export type RefundStatus = 'pending' | 'succeeded' | 'failed';

export interface RefundRow {
  creditNoteId: string;
  invoiceId: string;
  idempotencyKey: string;
  status: RefundStatus;
  amountMinor: number;
  currency: CurrencyCode;
  providerAmount: number;
  providerCurrency: string;
  providerPaymentIntentId: string;
  providerRefundId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  requestedAt: string;
  resolvedAt: string | null;
}

export type NewRefund = Omit<RefundRow, 'status' | 'providerRefundId' | 'errorCode' | 'errorMessage' | 'requestedAt' | 'resolvedAt'>;

export interface RefundResolution {
  creditNoteId: string;
  status: 'succeeded' | 'failed';
  providerRefundId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

interface RefundRecord {
  credit_note_id: string;
  invoice_id: string;
  idempotency_key: string;
  status: RefundStatus;
  amount_minor: string;
  currency: string;
  provider_amount: string;
  provider_currency: string;
  provider_payment_intent_id: string;
  provider_refund_id: string | null;
  error_code: string | null;
  error_message: string | null;
  requested_at: Date;
  resolved_at: Date | null;
}

function toRefund(r: RefundRecord): RefundRow {
  return {
    creditNoteId: r.credit_note_id,
    invoiceId: r.invoice_id,
    idempotencyKey: r.idempotency_key,
    status: r.status,
    amountMinor: toSafeInteger(r.amount_minor, 'amount_minor'),
    currency: r.currency as CurrencyCode,
    providerAmount: toSafeInteger(r.provider_amount, 'provider_amount'),
    providerCurrency: r.provider_currency,
    providerPaymentIntentId: r.provider_payment_intent_id,
    providerRefundId: r.provider_refund_id,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    requestedAt: toUtcIso(r.requested_at),
    resolvedAt: r.resolved_at === null ? null : toUtcIso(r.resolved_at),
  };
}

/** The credit notes among these that were already settled. */
export async function findSettledCreditNotes(manager: EntityManager, creditNoteIds: readonly string[]): Promise<Set<string>> {
  if (creditNoteIds.length === 0) return new Set();
  const rows: { credit_note_id: string }[] = await manager.query(
    'SELECT credit_note_id FROM credit_note_settlements WHERE credit_note_id = ANY($1::uuid[])',
    [[...new Set(creditNoteIds)]],
  );
  return new Set(rows.map((r) => r.credit_note_id));
}

export async function insertSettlements(manager: EntityManager, rows: readonly SettlementRow[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await manager.query(
    `INSERT INTO credit_note_settlements (credit_note_id, credit_note_number, invoice_id, currency, total_minor,
       applied_to_outstanding_minor, refund_minor, account_credit_minor, outstanding_after_minor, paid_part_to,
       source_event_id, correlation_id, settled_at)
     SELECT u.*, $13::timestamptz
     FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::char(3)[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[],
                 $9::bigint[], $10::text[], $11::uuid[], $12::text[]) AS u`,
    [
      rows.map((r) => r.creditNoteId),
      rows.map((r) => r.creditNoteNumber),
      rows.map((r) => r.invoiceId),
      rows.map((r) => r.currency),
      rows.map((r) => String(r.totalMinor)),
      rows.map((r) => String(r.appliedToOutstandingMinor)),
      rows.map((r) => String(r.refundMinor)),
      rows.map((r) => String(r.accountCreditMinor)),
      rows.map((r) => String(r.outstandingAfterMinor)),
      rows.map((r) => r.paidPartTo),
      rows.map((r) => r.sourceEventId),
      rows.map((r) => r.correlationId),
      now.toISOString(),
    ],
  );
}

/**
 * Per invoice, the succeeded card charge a refund goes back to (the latest, by attempt) and what
 * it still holds: its amount minus every refund of it made or planned (a failed refund counts
 * too — finance refunds that by hand, so it is never sent again automatically).
 */
export async function findRefundableCharges(
  manager: EntityManager,
  invoiceIds: readonly string[],
): Promise<Map<string, { paymentIntentId: string; refundableMinor: number }>> {
  if (invoiceIds.length === 0) return new Map();
  const rows: { invoice_id: string; payment_intent_id: string; refundable: string }[] = await manager.query(
    `SELECT DISTINCT ON (a.invoice_id) a.invoice_id, a.provider_payment_intent_id AS payment_intent_id,
            a.amount_minor - COALESCE((SELECT sum(r.amount_minor) FROM refunds r
                                       WHERE r.provider_payment_intent_id = a.provider_payment_intent_id), 0) AS refundable
     FROM charge_attempts a
     WHERE a.invoice_id = ANY($1::uuid[]) AND a.status = 'succeeded' AND a.provider_payment_intent_id IS NOT NULL
     ORDER BY a.invoice_id, a.attempt DESC`,
    [[...new Set(invoiceIds)]],
  );
  return new Map(
    rows.map((r) => [r.invoice_id, { paymentIntentId: r.payment_intent_id, refundableMinor: toSafeInteger(r.refundable, 'refundable') }]),
  );
}

export async function insertRefunds(manager: EntityManager, refunds: readonly NewRefund[], now: Date): Promise<void> {
  if (refunds.length === 0) return;
  await manager.query(
    `INSERT INTO refunds (credit_note_id, invoice_id, idempotency_key, status, amount_minor, currency, provider_amount,
       provider_currency, provider_payment_intent_id, requested_at)
     SELECT u.credit_note_id, u.invoice_id, u.idempotency_key, 'pending', u.amount_minor, u.currency, u.provider_amount,
            u.provider_currency, u.provider_payment_intent_id, $9::timestamptz
     FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::char(3)[], $6::bigint[], $7::text[], $8::text[])
          AS u(credit_note_id, invoice_id, idempotency_key, amount_minor, currency, provider_amount, provider_currency,
               provider_payment_intent_id)`,
    [
      refunds.map((r) => r.creditNoteId),
      refunds.map((r) => r.invoiceId),
      refunds.map((r) => r.idempotencyKey),
      refunds.map((r) => String(r.amountMinor)),
      refunds.map((r) => r.currency),
      refunds.map((r) => String(r.providerAmount)),
      refunds.map((r) => r.providerCurrency),
      refunds.map((r) => r.providerPaymentIntentId),
      now.toISOString(),
    ],
  );
}

/** The refunds of these credit notes still `pending` (new, or left by an earlier run). */
export async function findPendingRefunds(manager: EntityManager, creditNoteIds: readonly string[]): Promise<RefundRow[]> {
  if (creditNoteIds.length === 0) return [];
  const rows: RefundRecord[] = await manager.query(
    `SELECT * FROM refunds WHERE credit_note_id = ANY($1::uuid[]) AND status = 'pending' ORDER BY credit_note_id`,
    [[...new Set(creditNoteIds)]],
  );
  return rows.map(toRefund);
}

/** Final outcomes of pending refunds; only rows still `pending` change. Returns the refunds this call resolved. */
export async function resolvePendingRefunds(
  manager: EntityManager,
  resolutions: readonly RefundResolution[],
  resolvedAt: Date,
): Promise<RefundRow[]> {
  if (resolutions.length === 0) return [];
  const [rows]: [RefundRecord[], number] = await manager.query(
    `UPDATE refunds f
     SET status = r.status, provider_refund_id = COALESCE(r.refund_id, f.provider_refund_id), error_code = r.error_code,
         error_message = r.error_message, resolved_at = $6::timestamptz
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
          AS r(credit_note_id, status, refund_id, error_code, error_message)
     WHERE f.credit_note_id = r.credit_note_id AND f.status = 'pending'
     RETURNING f.*`,
    [
      resolutions.map((r) => r.creditNoteId),
      resolutions.map((r) => r.status),
      resolutions.map((r) => r.providerRefundId),
      resolutions.map((r) => r.errorCode),
      resolutions.map((r) => r.errorMessage),
      resolvedAt.toISOString(),
    ],
  );
  return rows.map(toRefund);
}

/** Remembers the provider's id of a refund that stays pending (not final at the provider yet). */
export async function noteProviderRefundIds(manager: EntityManager, notes: readonly { creditNoteId: string; refundId: string }[]): Promise<void> {
  if (notes.length === 0) return;
  await manager.query(
    `UPDATE refunds f SET provider_refund_id = n.refund_id
     FROM unnest($1::uuid[], $2::text[]) AS n(credit_note_id, refund_id)
     WHERE f.credit_note_id = n.credit_note_id AND f.status = 'pending'`,
    [notes.map((n) => n.creditNoteId), notes.map((n) => n.refundId)],
  );
}
