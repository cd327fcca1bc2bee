import { EntityManager } from 'typeorm';
import { InvoiceCollection } from '@billing/events';
import { CurrencyCode } from '@billing/money';
import { toSafeInteger, toUtcIso } from '@billing/messaging';
import { AccountMethod, InvoiceState, SkipReason } from '../domain/invoice-collection';

interface InvoiceRow {
  invoice_id: string;
  account_id: string;
  invoice_number: string;
  currency: string;
  total_minor: string;
  carried_forward_minor: string;
  collected_minor: string;
  collection: InvoiceCollection | null;
  last_requested_attempt: number;
  last_resolved_attempt: number;
  last_requested_method_id: string | null;
  skip_reason: SkipReason | null;
  succeeded_attempt: number | null;
  offline_payment_ids: string[];
  credited_minor: string;
  credit_note_ids: string[];
}

const COLUMNS = `invoice_id, account_id, invoice_number, currency, total_minor, carried_forward_minor, collected_minor,
  collection, last_requested_attempt, last_resolved_attempt, last_requested_method_id, skip_reason, succeeded_attempt,
  offline_payment_ids, credited_minor, credit_note_ids`;

function fromRow(row: InvoiceRow): InvoiceState {
  return {
    invoiceId: row.invoice_id,
    accountId: row.account_id,
    invoiceNumber: row.invoice_number,
    currency: row.currency.trim() as CurrencyCode,
    totalMinor: toSafeInteger(row.total_minor, 'invoice_collections.total_minor'),
    carriedForwardMinor: toSafeInteger(row.carried_forward_minor, 'invoice_collections.carried_forward_minor'),
    collectedMinor: toSafeInteger(row.collected_minor, 'invoice_collections.collected_minor'),
    collection: row.collection,
    lastRequestedAttempt: row.last_requested_attempt,
    lastResolvedAttempt: row.last_resolved_attempt,
    lastRequestedMethodId: row.last_requested_method_id,
    skipReason: row.skip_reason,
    succeededAttempt: row.succeeded_attempt,
    offlinePaymentIds: row.offline_payment_ids,
    creditedMinor: toSafeInteger(row.credited_minor, 'invoice_collections.credited_minor'),
    creditNoteIds: row.credit_note_ids,
  };
}

/**
 * The invoices a decision about these accounts needs, locked for this transaction: every invoice
 * of the accounts with something outstanding, plus the named ones whatever they owe. Callers lock
 * the accounts (and their cases) first, so this reads what the scheduler last committed.
 */
export async function lockInvoicesForAccounts(
  manager: EntityManager,
  accountIds: readonly string[],
  invoiceIds: readonly string[],
): Promise<InvoiceState[]> {
  if (accountIds.length === 0 && invoiceIds.length === 0) return [];
  const rows: InvoiceRow[] = await manager.query(
    `SELECT ${COLUMNS} FROM invoice_collections
     WHERE (account_id = ANY($1::text[]) AND collected_minor + carried_forward_minor + credited_minor < total_minor) OR invoice_id = ANY($2::uuid[])
     ORDER BY invoice_id
     FOR UPDATE`,
    [accountIds, invoiceIds],
  );
  return rows.map(fromRow);
}

/** The account an invoice belongs to, if collections heard of it. */
export async function accountOfInvoice(manager: EntityManager, invoiceId: string): Promise<string | null> {
  const rows: { account_id: string }[] = await manager.query('SELECT account_id FROM invoice_collections WHERE invoice_id = $1', [invoiceId]);
  return rows[0]?.account_id ?? null;
}

/** Inserts new invoices and overwrites changed ones, in one statement. */
export async function upsertInvoices(manager: EntityManager, invoices: readonly InvoiceState[]): Promise<void> {
  if (invoices.length === 0) return;
  const records = invoices.map((i) => ({
    invoice_id: i.invoiceId,
    account_id: i.accountId,
    invoice_number: i.invoiceNumber,
    currency: i.currency,
    total_minor: i.totalMinor,
    carried_forward_minor: i.carriedForwardMinor,
    collected_minor: i.collectedMinor,
    collection: i.collection,
    last_requested_attempt: i.lastRequestedAttempt,
    last_resolved_attempt: i.lastResolvedAttempt,
    last_requested_method_id: i.lastRequestedMethodId,
    skip_reason: i.skipReason,
    succeeded_attempt: i.succeededAttempt,
    offline_payment_ids: i.offlinePaymentIds,
    credited_minor: i.creditedMinor,
    credit_note_ids: i.creditNoteIds,
  }));
  const updated = COLUMNS.split(',')
    .map((c) => c.trim())
    .filter((c) => c !== 'invoice_id')
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ');
  await manager.query(
    `INSERT INTO invoice_collections (${COLUMNS})
     SELECT ${COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS r(
       invoice_id uuid, account_id text, invoice_number text, currency text, total_minor bigint, carried_forward_minor bigint,
       collected_minor bigint, collection text, last_requested_attempt integer, last_resolved_attempt integer,
       last_requested_method_id text, skip_reason text, succeeded_attempt integer, offline_payment_ids uuid[],
       credited_minor bigint, credit_note_ids uuid[])
     ON CONFLICT (invoice_id) DO UPDATE SET ${updated}, updated_at = now()`,
    [JSON.stringify(records)],
  );
}

/**
 * The scheduler requested these attempts: they are the invoices' latest, made with the account's
 * current method (an invoice collections has no row for is left alone).
 */
export async function recordRequestedAttempts(
  manager: EntityManager,
  requests: readonly { invoiceId: string; attempt: number }[],
): Promise<void> {
  if (requests.length === 0) return;
  await manager.query(
    `UPDATE invoice_collections i
     SET last_requested_attempt = GREATEST(i.last_requested_attempt, r.attempt),
         last_requested_method_id = (SELECT m.payment_method_id FROM account_payment_methods m WHERE m.account_id = i.account_id),
         updated_at = now()
     FROM unnest($1::uuid[], $2::integer[]) AS r(invoice_id, attempt)
     WHERE i.invoice_id = r.invoice_id`,
    [requests.map((r) => r.invoiceId), requests.map((r) => r.attempt)],
  );
}

export async function loadAccountMethods(manager: EntityManager, accountIds: readonly string[]): Promise<Map<string, AccountMethod>> {
  if (accountIds.length === 0) return new Map();
  const rows: { account_id: string; payment_method_id: string | null; changed_at: Date }[] = await manager.query(
    'SELECT account_id, payment_method_id, changed_at FROM account_payment_methods WHERE account_id = ANY($1::text[])',
    [accountIds],
  );
  return new Map(
    rows.map((r) => [r.account_id, { accountId: r.account_id, paymentMethodId: r.payment_method_id, changedAt: toUtcIso(r.changed_at) }]),
  );
}

export async function saveAccountMethods(manager: EntityManager, methods: readonly AccountMethod[]): Promise<void> {
  if (methods.length === 0) return;
  await manager.query(
    `INSERT INTO account_payment_methods (account_id, payment_method_id, changed_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
     ON CONFLICT (account_id) DO UPDATE SET
       payment_method_id = EXCLUDED.payment_method_id, changed_at = EXCLUDED.changed_at, updated_at = now()`,
    [methods.map((m) => m.accountId), methods.map((m) => m.paymentMethodId), methods.map((m) => m.changedAt)],
  );
}

export interface PayNowAnswer {
  readonly invoiceId: string;
  readonly attempt: number;
}

/** The answer an accepted pay-now gave to `key`, if any. */
export async function findPayNowAnswer(manager: EntityManager, key: string): Promise<PayNowAnswer | null> {
  const rows: { invoice_id: string; attempt: number }[] = await manager.query(
    'SELECT invoice_id, attempt FROM pay_now_requests WHERE idempotency_key = $1',
    [key],
  );
  return rows[0] ? { invoiceId: rows[0].invoice_id, attempt: rows[0].attempt } : null;
}

/** Stores an accepted pay-now's answer under its key; false when another request stored one first. */
export async function savePayNowAnswer(
  manager: EntityManager,
  key: string,
  answer: PayNowAnswer & { requestId: string; requestedAt: string },
): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    `INSERT INTO pay_now_requests (idempotency_key, invoice_id, attempt, request_id, requested_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key`,
    [key, answer.invoiceId, answer.attempt, answer.requestId, answer.requestedAt],
  );
  return rows.length === 1;
}
