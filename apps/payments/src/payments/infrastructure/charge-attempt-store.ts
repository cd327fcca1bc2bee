import { EntityManager } from 'typeorm';
import { CurrencyCode } from '@billing/money';
import { toSafeInteger, toUtcIso } from '@billing/messaging';
import { AttemptResolution, AttemptRow, AttemptStatus, NewAttempt, attemptKey } from '../domain/charge-attempt';
import { SkipReason } from '../domain/decide-charge';

/**
 * SQL of `charge_attempts`: one row per (invoice, attempt) with its idempotency key and outcome.
 * Every write is one bulk statement (unnest / ON CONFLICT) for the whole batch. A statement that
 * gives an attempt 1 its outcome also stamps `payment_invoices.first_outcome_at` (same statement,
 * `FIRST_OUTCOME`), which the charge backlog counts from.
 */

/**
 * Stamps the invoices of the attempt-1 outcomes in `outcomes` (a data-modifying CTE's RETURNING:
 * invoice_id, attempt, status, resolved_at). Only a NULL stamp changes: attempt 1 gets exactly
 * one outcome, and a redelivery changes nothing.
 */
const FIRST_OUTCOME = `first_outcome AS (
       UPDATE payment_invoices i SET first_outcome_at = o.resolved_at
       FROM outcomes o
       WHERE i.invoice_id = o.invoice_id AND o.attempt = 1 AND o.status <> 'pending' AND i.first_outcome_at IS NULL)`;

interface AttemptRecord {
  invoice_id: string;
  attempt: number;
  idempotency_key: string;
  status: AttemptStatus;
  amount_minor: string;
  currency: string;
  provider_amount: string | null;
  provider_currency: string | null;
  payment_method_id: string | null;
  provider_customer_id: string | null;
  provider_payment_intent_id: string | null;
  provider_charge_id: string | null;
  error_code: string | null;
  decline_code: string | null;
  error_message: string | null;
  retryable: boolean | null;
  skip_reason: SkipReason | null;
  resolved_by: 'consumer' | 'webhook' | null;
  requested_by_event_id: string;
  correlation_id: string;
  requested_at: Date;
  resolved_at: Date | null;
}

function toAttempt(r: AttemptRecord): AttemptRow {
  return {
    invoiceId: r.invoice_id,
    attempt: r.attempt,
    idempotencyKey: r.idempotency_key,
    status: r.status,
    amountMinor: toSafeInteger(r.amount_minor, 'amount_minor'),
    currency: r.currency as CurrencyCode,
    providerAmount: r.provider_amount === null ? null : toSafeInteger(r.provider_amount, 'provider_amount'),
    providerCurrency: r.provider_currency,
    paymentMethodId: r.payment_method_id,
    providerCustomerId: r.provider_customer_id,
    providerPaymentIntentId: r.provider_payment_intent_id,
    providerChargeId: r.provider_charge_id,
    errorCode: r.error_code,
    declineCode: r.decline_code,
    errorMessage: r.error_message,
    retryable: r.retryable,
    skipReason: r.skip_reason,
    resolvedBy: r.resolved_by,
    requestedByEventId: r.requested_by_event_id,
    correlationId: r.correlation_id,
    requestedAt: toUtcIso(r.requested_at),
    resolvedAt: r.resolved_at === null ? null : toUtcIso(r.resolved_at),
  };
}

/** Every attempt of these invoices, keyed by `attemptKey`. */
export async function findAttemptsOfInvoices(manager: EntityManager, invoiceIds: readonly string[]): Promise<Map<string, AttemptRow>> {
  if (invoiceIds.length === 0) return new Map();
  const rows: AttemptRecord[] = await manager.query('SELECT * FROM charge_attempts WHERE invoice_id = ANY($1::uuid[])', [
    [...new Set(invoiceIds)],
  ]);
  return new Map(rows.map((r) => [attemptKey(r.invoice_id, r.attempt), toAttempt(r)]));
}

export async function listAttempts(manager: EntityManager, invoiceId: string): Promise<AttemptRow[]> {
  const rows: AttemptRecord[] = await manager.query('SELECT * FROM charge_attempts WHERE invoice_id = $1 ORDER BY attempt', [invoiceId]);
  return rows.map(toAttempt);
}

export async function findAttempt(manager: EntityManager, invoiceId: string, attempt: number): Promise<AttemptRow | undefined> {
  const rows: AttemptRecord[] = await manager.query('SELECT * FROM charge_attempts WHERE invoice_id = $1 AND attempt = $2', [
    invoiceId,
    attempt,
  ]);
  return rows[0] && toAttempt(rows[0]);
}

export async function findAttemptByPaymentIntent(manager: EntityManager, paymentIntentId: string): Promise<AttemptRow | undefined> {
  const rows: AttemptRecord[] = await manager.query('SELECT * FROM charge_attempts WHERE provider_payment_intent_id = $1', [
    paymentIntentId,
  ]);
  return rows[0] && toAttempt(rows[0]);
}

/**
 * Inserts new attempts (`pending`, or `skipped` with its reason) unless the (invoice, attempt)
 * already exists; returns the keys actually inserted. A skipped attempt 1 is its invoice's first
 * outcome.
 */
export async function insertAttempts(manager: EntityManager, attempts: readonly NewAttempt[], now: Date): Promise<Set<string>> {
  if (attempts.length === 0) return new Set();
  const rows: { invoice_id: string; attempt: number }[] = await manager.query(
    `WITH outcomes AS (
     INSERT INTO charge_attempts (invoice_id, attempt, idempotency_key, status, amount_minor, currency, provider_amount,
       provider_currency, skip_reason, requested_by_event_id, correlation_id, payment_method_id, provider_customer_id,
       requested_at, resolved_at, resolved_by)
     SELECT a.invoice_id, a.attempt, a.idempotency_key,
            CASE WHEN a.skip_reason IS NULL THEN 'pending' ELSE 'skipped' END,
            a.amount_minor, a.currency, a.provider_amount, a.provider_currency, a.skip_reason,
            a.requested_by_event_id, a.correlation_id, a.payment_method_id, a.provider_customer_id, $13::timestamptz,
            CASE WHEN a.skip_reason IS NULL THEN NULL ELSE $13::timestamptz END,
            CASE WHEN a.skip_reason IS NULL THEN NULL ELSE 'consumer' END
     FROM unnest($1::uuid[], $2::int[], $3::text[], $4::bigint[], $5::char(3)[], $6::bigint[], $7::text[], $8::text[],
                 $9::text[], $10::text[], $11::text[], $12::text[])
          AS a(invoice_id, attempt, idempotency_key, amount_minor, currency, provider_amount, provider_currency,
               skip_reason, requested_by_event_id, correlation_id, payment_method_id, provider_customer_id)
     ON CONFLICT DO NOTHING
     RETURNING invoice_id, attempt, status, resolved_at
     ), ${FIRST_OUTCOME}
     SELECT invoice_id, attempt FROM outcomes`,
    [
      attempts.map((a) => a.invoiceId),
      attempts.map((a) => a.attempt),
      attempts.map((a) => a.idempotencyKey),
      attempts.map((a) => String(a.amountMinor)),
      attempts.map((a) => a.currency),
      attempts.map((a) => (a.providerAmount === null ? null : String(a.providerAmount))),
      attempts.map((a) => a.providerCurrency),
      attempts.map((a) => a.skipReason),
      attempts.map((a) => a.requestedByEventId),
      attempts.map((a) => a.correlationId),
      attempts.map((a) => a.paymentMethodId),
      attempts.map((a) => a.providerCustomerId),
      now.toISOString(),
    ],
  );
  return new Set(rows.map((r) => attemptKey(r.invoice_id, r.attempt)));
}

/**
 * Gives pending attempts their final outcome. Only rows still `pending` change, so whoever
 * records an outcome first (the consumer or the webhook) wins and the other changes nothing;
 * returns the attempts this call resolved. A resolved attempt 1 is its invoice's first outcome.
 */
export async function resolvePendingAttempts(
  manager: EntityManager,
  resolutions: readonly AttemptResolution[],
  resolvedAt: Date,
  resolvedBy: 'consumer' | 'webhook',
): Promise<AttemptRow[]> {
  if (resolutions.length === 0) return [];
  const rows: AttemptRecord[] = await manager.query(
    `WITH outcomes AS (
     UPDATE charge_attempts a
     SET status = r.status,
         provider_payment_intent_id = COALESCE(r.payment_intent_id, a.provider_payment_intent_id),
         provider_charge_id = r.charge_id,
         error_code = r.error_code,
         decline_code = r.decline_code,
         error_message = r.error_message,
         retryable = r.retryable,
         resolved_at = $10::timestamptz,
         resolved_by = $11
     FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::boolean[])
          AS r(invoice_id, attempt, status, payment_intent_id, charge_id, error_code, decline_code, error_message, retryable)
     WHERE a.invoice_id = r.invoice_id AND a.attempt = r.attempt AND a.status = 'pending'
     RETURNING a.*
     ), ${FIRST_OUTCOME}
     SELECT * FROM outcomes`,
    [
      resolutions.map((r) => r.invoiceId),
      resolutions.map((r) => r.attempt),
      resolutions.map((r) => r.status),
      resolutions.map((r) => r.providerPaymentIntentId),
      resolutions.map((r) => r.providerChargeId),
      resolutions.map((r) => r.errorCode),
      resolutions.map((r) => r.declineCode),
      resolutions.map((r) => r.errorMessage),
      resolutions.map((r) => r.retryable),
      resolvedAt.toISOString(),
      resolvedBy,
    ],
  );
  return rows.map(toAttempt);
}

/** Remembers the PaymentIntent of an attempt that stays pending (the webhook finds it by id). */
export async function notePaymentIntents(
  manager: EntityManager,
  notes: readonly { invoiceId: string; attempt: number; paymentIntentId: string }[],
): Promise<void> {
  if (notes.length === 0) return;
  await manager.query(
    `UPDATE charge_attempts a SET provider_payment_intent_id = n.payment_intent_id
     FROM unnest($1::uuid[], $2::int[], $3::text[]) AS n(invoice_id, attempt, payment_intent_id)
     WHERE a.invoice_id = n.invoice_id AND a.attempt = n.attempt AND a.status = 'pending'`,
    [notes.map((n) => n.invoiceId), notes.map((n) => n.attempt), notes.map((n) => n.paymentIntentId)],
  );
}

/**
 * Charges payments has received but not finished: invoices whose first attempt has no outcome
 * yet (no row, or pending: `first_outcome_at` still NULL) and pending attempts of any number.
 * Polled every few seconds during a close, so both counts read partial indexes
 * (`payment_invoices_awaiting_first_outcome`, `charge_attempts_pending`): their cost follows
 * what is waiting, not every month's invoices.
 */
export async function countChargeBacklog(
  manager: EntityManager,
): Promise<{ invoicesAwaitingFirstOutcome: number; pendingAttempts: number }> {
  const [row]: { awaiting: number; pending: number }[] = await manager.query(
    `SELECT (SELECT count(*)::int FROM payment_invoices WHERE first_outcome_at IS NULL) AS awaiting,
            (SELECT count(*)::int FROM charge_attempts WHERE status = 'pending') AS pending`,
  );
  return { invoicesAwaitingFirstOutcome: row.awaiting, pendingAttempts: row.pending };
}

/** Which of these invoices have a card attempt pending (its provider call may be in flight). */
export async function invoicesWithPendingAttempts(manager: EntityManager, invoiceIds: readonly string[]): Promise<Set<string>> {
  if (invoiceIds.length === 0) return new Set();
  const rows: { invoice_id: string }[] = await manager.query(
    `SELECT DISTINCT invoice_id FROM charge_attempts WHERE invoice_id = ANY($1::uuid[]) AND status = 'pending'`,
    [[...new Set(invoiceIds)]],
  );
  return new Set(rows.map((r) => r.invoice_id));
}
