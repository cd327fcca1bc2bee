import { EntityManager } from 'typeorm';
import { CurrencyCode } from '@billing/money';
import { toSafeInteger } from '@billing/messaging';
import { OfflinePaymentMethod } from '../domain/decide-offline-payment';

/** SQL of `offline_payments`: payments received outside the provider, one per idempotency key. */

export interface OfflinePayment {
  paymentId: string;
  invoiceId: string;
  invoiceNumber: string;
  amountMinor: number;
  currency: CurrencyCode;
  method: OfflinePaymentMethod;
  reference: string;
  receivedAt: string;
  recordedAt: string;
  recordedBy: string;
  outstandingAfterMinor: number;
}

export interface StoredOfflinePayment extends OfflinePayment {
  idempotencyKey: string;
  requestFingerprint: string;
}

interface OfflinePaymentRecord {
  payment_id: string;
  invoice_id: string;
  invoice_number: string;
  amount_minor: string;
  currency: string;
  method: OfflinePaymentMethod;
  reference: string;
  received_at: Date;
  recorded_at: Date;
  recorded_by: string;
  outstanding_after_minor: string;
  idempotency_key: string;
  request_fingerprint: string;
}

export async function findOfflinePaymentByKey(manager: EntityManager, idempotencyKey: string): Promise<StoredOfflinePayment | undefined> {
  const rows: OfflinePaymentRecord[] = await manager.query(
    `SELECT p.*, i.invoice_number FROM offline_payments p JOIN payment_invoices i USING (invoice_id) WHERE p.idempotency_key = $1`,
    [idempotencyKey],
  );
  const r = rows[0];
  if (r === undefined) return undefined;
  return {
    paymentId: r.payment_id,
    invoiceId: r.invoice_id,
    invoiceNumber: r.invoice_number,
    amountMinor: toSafeInteger(r.amount_minor, 'amount_minor'),
    currency: r.currency as CurrencyCode,
    method: r.method,
    reference: r.reference,
    receivedAt: r.received_at.toISOString(),
    recordedAt: r.recorded_at.toISOString(),
    recordedBy: r.recorded_by,
    outstandingAfterMinor: toSafeInteger(r.outstanding_after_minor, 'outstanding_after_minor'),
    idempotencyKey: r.idempotency_key,
    requestFingerprint: r.request_fingerprint,
  };
}

/** Inserts the payment unless its idempotency key is taken (a concurrent twin); true when inserted. */
export async function insertOfflinePayment(manager: EntityManager, payment: StoredOfflinePayment): Promise<boolean> {
  const rows = await manager.query(
    `INSERT INTO offline_payments (payment_id, invoice_id, amount_minor, currency, method, reference, received_at, recorded_at,
       recorded_by, outstanding_after_minor, idempotency_key, request_fingerprint)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING payment_id`,
    [
      payment.paymentId,
      payment.invoiceId,
      String(payment.amountMinor),
      payment.currency,
      payment.method,
      payment.reference,
      payment.receivedAt,
      payment.recordedAt,
      payment.recordedBy,
      String(payment.outstandingAfterMinor),
      payment.idempotencyKey,
      payment.requestFingerprint,
    ],
  );
  return rows.length === 1;
}

/** Whether a card attempt of the invoice is pending (its provider call may be in flight). */
export async function hasPendingAttempt(manager: EntityManager, invoiceId: string): Promise<boolean> {
  const rows = await manager.query(`SELECT 1 FROM charge_attempts WHERE invoice_id = $1 AND status = 'pending' LIMIT 1`, [invoiceId]);
  return rows.length > 0;
}
