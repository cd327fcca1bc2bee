import { EntityManager } from 'typeorm';
import { CurrencyCode } from '@billing/money';
import { toSafeInteger, toUtcIso, toUtcIsoOrNull } from '@billing/messaging';
import { AttemptRecord, DunningCase, DunningStatus } from '../domain/dunning-case';

/** A case with where it came from: the run it belongs to and the event that last changed it. */
export interface StoredCase {
  readonly case: DunningCase;
  readonly correlationId: string;
  readonly lastEventId: string;
}

interface CaseRow {
  case_id: string;
  invoice_id: string;
  invoice_number: string;
  account_id: string;
  amount_minor: string;
  currency: string;
  customer: DunningCase['customer'];
  due_at: Date;
  first_failed_at: Date;
  attempts_made: number;
  last_attempt: AttemptRecord;
  status: DunningStatus;
  next_retry_at: Date | null;
  next_attempt: number | null;
  retry_requested_at: Date | null;
  hold_due_at: Date | null;
  paid_at: Date | null;
  correlation_id: string;
  last_event_id: string;
}

const COLUMNS = `case_id, invoice_id, invoice_number, account_id, amount_minor, currency, customer, due_at,
  first_failed_at, attempts_made, last_attempt, status, next_retry_at, next_attempt, retry_requested_at,
  hold_due_at, paid_at, correlation_id, last_event_id`;

function fromRow(row: CaseRow): StoredCase {
  return {
    case: {
      caseId: row.case_id,
      invoiceId: row.invoice_id,
      invoiceNumber: row.invoice_number,
      accountId: row.account_id,
      amountMinor: toSafeInteger(row.amount_minor, 'dunning_cases.amount_minor'),
      currency: row.currency.trim() as CurrencyCode,
      customer: row.customer,
      dueAt: toUtcIso(row.due_at),
      firstFailedAt: toUtcIso(row.first_failed_at),
      attemptsMade: row.attempts_made,
      lastAttempt: row.last_attempt,
      status: row.status,
      nextRetryAt: toUtcIsoOrNull(row.next_retry_at),
      nextAttempt: row.next_attempt,
      retryRequestedAt: toUtcIsoOrNull(row.retry_requested_at),
      holdDueAt: toUtcIsoOrNull(row.hold_due_at),
      paidAt: toUtcIsoOrNull(row.paid_at),
    },
    correlationId: row.correlation_id,
    lastEventId: row.last_event_id,
  };
}

/**
 * The cases a decision about these accounts needs, locked for this transaction: every unpaid
 * case of the accounts, plus the named invoices' cases whatever their status (the batch's
 * invoices and those listed by the accounts' active holds). One query, read through two indexes
 * the planner ORs together: `dunning_cases_account_unpaid` (partial, status <> 'paid') for the
 * accounts and the UNIQUE index on `invoice_id` for the named invoices, so its cost follows the
 * batch, not the paid cases of past months. Keep each side of the OR matching one of them.
 */
export async function lockCasesForAccounts(
  manager: EntityManager,
  accountIds: readonly string[],
  invoiceIds: readonly string[],
): Promise<StoredCase[]> {
  if (accountIds.length === 0 && invoiceIds.length === 0) return [];
  const rows: CaseRow[] = await manager.query(
    `SELECT ${COLUMNS} FROM dunning_cases
     WHERE (account_id = ANY($1::text[]) AND status <> 'paid') OR invoice_id = ANY($2::uuid[])
     ORDER BY case_id
     FOR UPDATE`,
    [accountIds, invoiceIds],
  );
  return rows.map(fromRow);
}

/** The scheduler's claim: due retries not yet requested, oldest first, skipping rows another instance holds. */
export async function claimDueRetries(manager: EntityManager, now: string, limit: number): Promise<StoredCase[]> {
  const rows: CaseRow[] = await manager.query(
    `SELECT ${COLUMNS} FROM dunning_cases
     WHERE status = 'retrying' AND retry_requested_at IS NULL AND next_retry_at <= $1::timestamptz
     ORDER BY next_retry_at
     LIMIT $2
     FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return rows.map(fromRow);
}

/** Records that the cases' next retries were requested. */
export async function markRetriesRequested(manager: EntityManager, cases: readonly DunningCase[]): Promise<void> {
  if (cases.length === 0) return;
  await manager.query(
    `UPDATE dunning_cases d SET retry_requested_at = r.at, updated_at = now()
     FROM unnest($1::uuid[], $2::timestamptz[]) AS r(case_id, at)
     WHERE d.case_id = r.case_id`,
    [cases.map((c) => c.caseId), cases.map((c) => c.retryRequestedAt)],
  );
}

/** Inserts new cases and overwrites changed ones, in one statement. */
export async function upsertCases(manager: EntityManager, cases: readonly StoredCase[]): Promise<void> {
  if (cases.length === 0) return;
  const records = cases.map(({ case: c, correlationId, lastEventId }) => ({
    case_id: c.caseId,
    invoice_id: c.invoiceId,
    invoice_number: c.invoiceNumber,
    account_id: c.accountId,
    amount_minor: c.amountMinor,
    currency: c.currency,
    customer: c.customer,
    due_at: c.dueAt,
    first_failed_at: c.firstFailedAt,
    attempts_made: c.attemptsMade,
    last_attempt: c.lastAttempt,
    status: c.status,
    next_retry_at: c.nextRetryAt,
    next_attempt: c.nextAttempt,
    retry_requested_at: c.retryRequestedAt,
    hold_due_at: c.holdDueAt,
    paid_at: c.paidAt,
    correlation_id: correlationId,
    last_event_id: lastEventId,
  }));
  await manager.query(
    `INSERT INTO dunning_cases (${COLUMNS})
     SELECT ${COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS r(
       case_id uuid, invoice_id uuid, invoice_number text, account_id text, amount_minor bigint, currency text,
       customer jsonb, due_at timestamptz, first_failed_at timestamptz, attempts_made integer, last_attempt jsonb,
       status text, next_retry_at timestamptz, next_attempt integer, retry_requested_at timestamptz,
       hold_due_at timestamptz, paid_at timestamptz, correlation_id text, last_event_id uuid)
     ON CONFLICT (invoice_id) DO UPDATE SET
       invoice_number = EXCLUDED.invoice_number,
       amount_minor = EXCLUDED.amount_minor,
       customer = EXCLUDED.customer,
       attempts_made = EXCLUDED.attempts_made,
       last_attempt = EXCLUDED.last_attempt,
       status = EXCLUDED.status,
       next_retry_at = EXCLUDED.next_retry_at,
       next_attempt = EXCLUDED.next_attempt,
       retry_requested_at = EXCLUDED.retry_requested_at,
       hold_due_at = EXCLUDED.hold_due_at,
       paid_at = EXCLUDED.paid_at,
       correlation_id = EXCLUDED.correlation_id,
       last_event_id = EXCLUDED.last_event_id,
       updated_at = now()`,
    [JSON.stringify(records)],
  );
}

/** Invoices a manual release forgave no longer make the scheduler look at their account. */
export async function markHoldForgiven(manager: EntityManager, invoiceIds: readonly string[]): Promise<void> {
  if (invoiceIds.length === 0) return;
  await manager.query(`UPDATE dunning_cases SET hold_forgiven = true, updated_at = now() WHERE invoice_id = ANY($1::uuid[])`, [
    invoiceIds,
  ]);
}

export interface InvoiceSummary {
  invoiceId: string;
  invoiceNumber: string;
  amountMinor: number;
  currency: string;
  status: DunningStatus;
}

/** What the API shows of the invoices a hold lists. */
export async function invoiceSummaries(manager: EntityManager, invoiceIds: readonly string[]): Promise<Map<string, InvoiceSummary>> {
  if (invoiceIds.length === 0) return new Map();
  const rows: { invoice_id: string; invoice_number: string; amount_minor: string; currency: string; status: DunningStatus }[] =
    await manager.query(
      `SELECT invoice_id, invoice_number, amount_minor, currency, status FROM dunning_cases WHERE invoice_id = ANY($1::uuid[])`,
      [invoiceIds],
    );
  return new Map(
    rows.map((r) => [
      r.invoice_id,
      {
        invoiceId: r.invoice_id,
        invoiceNumber: r.invoice_number,
        amountMinor: toSafeInteger(r.amount_minor, 'dunning_cases.amount_minor'),
        currency: r.currency.trim(),
        status: r.status,
      },
    ]),
  );
}
