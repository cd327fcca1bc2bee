import { EntityManager } from 'typeorm';
import { CustomerSnapshot, InvoiceCollection } from '@billing/events';
import { CurrencyCode } from '@billing/money';
import { SkipReason } from '../domain/decide-charge';

/**
 * SQL of the payments database: invoice snapshots, charge attempts and handled webhook
 * events. Every write is one bulk statement (unnest / ON CONFLICT) for the whole batch.
 */

export interface InvoiceSnapshot {
  invoiceId: string;
  accountId: string;
  invoiceNumber: string;
  currency: CurrencyCode;
  totalMinor: number;
  collectedMinor: number;
  customer: CustomerSnapshot;
  providerCustomerId: string | null;
  paymentMethodId: string | null;
  /** How invoicing said to collect it; null for invoices issued before the field existed. */
  collection: InvoiceCollection | null;
  issuedAt: string;
  dueAt: string;
  correlationId: string;
}

export type AttemptStatus = 'pending' | 'succeeded' | 'failed' | 'skipped';

export interface AttemptRow {
  invoiceId: string;
  attempt: number;
  idempotencyKey: string;
  status: AttemptStatus;
  amountMinor: number;
  currency: CurrencyCode;
  providerAmount: number | null;
  providerCurrency: string | null;
  /** The instrument the attempt charged (the account's at the time); null when skipped or from before the column. */
  paymentMethodId: string | null;
  providerCustomerId: string | null;
  providerPaymentIntentId: string | null;
  providerChargeId: string | null;
  errorCode: string | null;
  declineCode: string | null;
  errorMessage: string | null;
  retryable: boolean | null;
  skipReason: SkipReason | null;
  resolvedBy: 'consumer' | 'webhook' | null;
  requestedByEventId: string;
  correlationId: string;
  requestedAt: string;
  resolvedAt: string | null;
}

/** A new attempt: pending (before the provider call) or skipped (no provider call at all). */
export interface NewAttempt {
  invoiceId: string;
  attempt: number;
  idempotencyKey: string;
  amountMinor: number;
  currency: string;
  providerAmount: number | null;
  providerCurrency: string | null;
  paymentMethodId: string | null;
  providerCustomerId: string | null;
  skipReason: SkipReason | null;
  requestedByEventId: string;
  correlationId: string;
}

/** The final outcome of a pending attempt. */
export interface AttemptResolution {
  invoiceId: string;
  attempt: number;
  status: 'succeeded' | 'failed';
  providerPaymentIntentId: string | null;
  providerChargeId: string | null;
  errorCode: string | null;
  declineCode: string | null;
  errorMessage: string | null;
  retryable: boolean | null;
}

export const attemptKey = (invoiceId: string, attempt: number) => `${invoiceId}#${attempt}`;

/** pg returns bigint as a string: convert only exactly representable values. */
export function toSafeInteger(value: string | number | null, what: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} is not a safe integer: ${value}`);
  return n;
}

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();

export async function saveInvoiceSnapshots(
  manager: EntityManager,
  invoices: readonly (Omit<InvoiceSnapshot, 'collectedMinor'> & { sourceEventId: string })[],
  receivedAt: Date,
): Promise<void> {
  if (invoices.length === 0) return;
  await manager.query(
    `INSERT INTO payment_invoices (invoice_id, account_id, invoice_number, currency, total_minor, customer,
       provider_customer_id, payment_method_id, issued_at, due_at, correlation_id, source_event_id, collection, received_at)
     SELECT u.*, $14::timestamptz
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::char(3)[], $5::bigint[], $6::jsonb[],
       $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::uuid[], $13::text[]) AS u
     ON CONFLICT (invoice_id) DO NOTHING`,
    [
      invoices.map((i) => i.invoiceId),
      invoices.map((i) => i.accountId),
      invoices.map((i) => i.invoiceNumber),
      invoices.map((i) => i.currency),
      invoices.map((i) => String(i.totalMinor)),
      invoices.map((i) => JSON.stringify(i.customer)),
      invoices.map((i) => i.providerCustomerId),
      invoices.map((i) => i.paymentMethodId),
      invoices.map((i) => i.issuedAt),
      invoices.map((i) => i.dueAt),
      invoices.map((i) => i.correlationId),
      invoices.map((i) => i.sourceEventId),
      invoices.map((i) => i.collection),
      receivedAt.toISOString(),
    ],
  );
}

interface InvoiceRecord {
  invoice_id: string;
  account_id: string;
  invoice_number: string;
  currency: string;
  total_minor: string;
  collected_minor: string;
  customer: CustomerSnapshot;
  provider_customer_id: string | null;
  payment_method_id: string | null;
  collection: InvoiceCollection | null;
  issued_at: Date;
  due_at: Date;
  correlation_id: string;
}

function toInvoice(r: InvoiceRecord): InvoiceSnapshot {
  return {
    invoiceId: r.invoice_id,
    accountId: r.account_id,
    invoiceNumber: r.invoice_number,
    currency: r.currency as CurrencyCode,
    totalMinor: toSafeInteger(r.total_minor, 'total_minor'),
    collectedMinor: toSafeInteger(r.collected_minor, 'collected_minor'),
    customer: r.customer,
    providerCustomerId: r.provider_customer_id,
    paymentMethodId: r.payment_method_id,
    collection: r.collection,
    issuedAt: iso(r.issued_at),
    dueAt: iso(r.due_at),
    correlationId: r.correlation_id,
  };
}

/**
 * The snapshots of these invoices. `lock`: FOR UPDATE, in invoice id order (no deadlock between
 * two writers): the charge plan and an offline payment of one invoice take turns, so neither
 * decides from a `collected_minor` the other is about to change.
 */
export async function findInvoices(
  manager: EntityManager,
  invoiceIds: readonly string[],
  { lock = false } = {},
): Promise<Map<string, InvoiceSnapshot>> {
  if (invoiceIds.length === 0) return new Map();
  const rows: InvoiceRecord[] = await manager.query(
    `SELECT * FROM payment_invoices WHERE invoice_id = ANY($1::uuid[])${lock ? ' ORDER BY invoice_id FOR UPDATE' : ''}`,
    [[...new Set(invoiceIds)]],
  );
  return new Map(rows.map((r) => [r.invoice_id, toInvoice(r)]));
}

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
    requestedAt: iso(r.requested_at),
    resolvedAt: r.resolved_at === null ? null : iso(r.resolved_at),
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
 * already exists; returns the keys actually inserted.
 */
export async function insertAttempts(manager: EntityManager, attempts: readonly NewAttempt[], now: Date): Promise<Set<string>> {
  if (attempts.length === 0) return new Set();
  const rows: { invoice_id: string; attempt: number }[] = await manager.query(
    `INSERT INTO charge_attempts (invoice_id, attempt, idempotency_key, status, amount_minor, currency, provider_amount,
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
     RETURNING invoice_id, attempt`,
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
 * returns the attempts this call resolved.
 */
export async function resolvePendingAttempts(
  manager: EntityManager,
  resolutions: readonly AttemptResolution[],
  resolvedAt: Date,
  resolvedBy: 'consumer' | 'webhook',
): Promise<AttemptRow[]> {
  if (resolutions.length === 0) return [];
  // TypeORM answers an UPDATE … RETURNING through pg as [rows, affectedCount].
  const [rows]: [AttemptRecord[], number] = await manager.query(
    `UPDATE charge_attempts a
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
     RETURNING a.*`,
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

export async function addCollected(manager: EntityManager, collected: ReadonlyMap<string, number>): Promise<void> {
  if (collected.size === 0) return;
  await manager.query(
    `UPDATE payment_invoices i SET collected_minor = i.collected_minor + c.amount
     FROM unnest($1::uuid[], $2::bigint[]) AS c(invoice_id, amount)
     WHERE i.invoice_id = c.invoice_id`,
    [[...collected.keys()], [...collected.values()].map(String)],
  );
}

/** Records a webhook event id; false when it was handled before (a duplicate delivery). */
export async function claimWebhookEvent(
  manager: EntityManager,
  event: { eventId: string; type: string; paymentIntentId: string | null },
  receivedAt: Date,
): Promise<boolean> {
  const rows = await manager.query(
    `INSERT INTO stripe_webhook_events (event_id, type, payment_intent_id, outcome, received_at)
     VALUES ($1, $2, $3, 'received', $4) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    [event.eventId, event.type, event.paymentIntentId, receivedAt.toISOString()],
  );
  return rows.length === 1;
}

export async function setWebhookOutcome(manager: EntityManager, eventId: string, outcome: string): Promise<void> {
  await manager.query('UPDATE stripe_webhook_events SET outcome = $2 WHERE event_id = $1', [eventId, outcome]);
}
