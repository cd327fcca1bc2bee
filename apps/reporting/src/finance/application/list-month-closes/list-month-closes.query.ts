import { DataSource } from 'typeorm';
import { toUtcIsoOrNull } from '@billing/messaging';
import { Table } from '../../infrastructure/http/csv';
import { toNullableNumber, toSafeNumber } from '../../infrastructure/sql';

/**
 * Every month-close run the projection knows, newest first, with how far its cascade got:
 * the run's own counts (from invoicing's progress events) and what the ledger shows happened
 * to the run's invoices since (charged, declined, emailed, accounts on hold).
 */
export interface MonthCloseRunProgress {
  runId: string;
  period: string;
  /** Same rule as the month-close report: `completed_with_failures` while a failed account has no invoice of the run. */
  status: 'requested' | 'running' | 'completed' | 'completed_with_failures';
  requestedAt: string | null;
  requestedBy: string | null;
  startedAt: string | null;
  completedAt: string | null;
  accountsInScope: number | null;
  /** Accounts invoiced, as the run last reported it. */
  invoiced: number | null;
  zeroTotal: number | null;
  /** Accounts of the run that failed and have no invoice of the run (yet). */
  failed: number;
  /** Invoices of the run in the projection. */
  invoices: number;
  /** Invoices of the run with a succeeded charge. */
  charged: number;
  /** Invoices of the run with at least one declined or failed charge attempt. */
  declined: number;
  /** Invoices of the run whose invoice email was sent. */
  emailed: number;
  /** Accounts of the run's invoices that are on hold now. */
  onHold: number;
  /** Invoices of the run with no charge outcome yet (succeeded, failed, skipped). */
  awaitingCharge: number;
  /** Invoices of the run with no invoice email sent yet. */
  awaitingEmail: number;
  /** True once the run ended and each of its invoices has a charge outcome and an invoice email. */
  settled: boolean;
}

export interface MonthCloseRunList {
  items: MonthCloseRunProgress[];
}

const OPEN_FAILURE = `NOT EXISTS (SELECT 1 FROM invoices i WHERE i.account_id = f.account_id AND i.run_id = f.run_id)`;

export interface MonthCloseRunFilter {
  period?: string;
  runId?: string;
}

export async function listMonthCloses(dataSource: DataSource, filter: MonthCloseRunFilter, limit: number): Promise<MonthCloseRunList> {
  const rows = await dataSource.query(
    `WITH runs AS (
       SELECT r.* FROM month_close_runs r
       WHERE ($1::text IS NULL OR r.period = $1) AND ($3::uuid IS NULL OR r.run_id = $3)
       ORDER BY COALESCE(r.started_at, r.requested_at) DESC NULLS FIRST, r.run_id
       LIMIT $2
     ), inv AS (
       SELECT b.run_id,
              count(*) AS invoices,
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM charge_attempts a WHERE a.invoice_id = b.invoice_id AND a.outcome = 'succeeded')) AS charged,
              count(*) FILTER (WHERE b.failed_attempts > 0) AS declined,
              count(*) FILTER (WHERE b.outcomes = 0) AS awaiting_charge,
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM emails e WHERE e.invoice_id = b.invoice_id AND e.template = 'invoice' AND e.status = 'sent')) AS emailed,
              count(DISTINCT b.account_id) FILTER (WHERE EXISTS (SELECT 1 FROM holds h
                WHERE h.account_id = b.account_id AND h.placed_at IS NOT NULL AND h.released_at IS NULL)) AS on_hold
       FROM invoice_balances b WHERE b.run_id IN (SELECT run_id FROM runs)
       GROUP BY b.run_id
     )
     SELECT r.run_id, r.period, r.requested_at, r.requested_by, r.started_at, r.completed_at,
            r.accounts_in_scope, r.invoiced, r.zero_total,
            (SELECT count(*) FROM month_close_failures f WHERE f.run_id = r.run_id AND ${OPEN_FAILURE}) AS failed,
            inv.invoices, inv.charged, inv.declined, inv.awaiting_charge, inv.emailed, inv.on_hold
     FROM runs r LEFT JOIN inv USING (run_id)
     ORDER BY COALESCE(r.started_at, r.requested_at) DESC NULLS FIRST, r.run_id`,
    [filter.period ?? null, limit, filter.runId ?? null],
  );
  return {
    items: rows.map((r: Record<string, unknown>): MonthCloseRunProgress => {
      const startedAt = toUtcIsoOrNull(r.started_at);
      const completedAt = toUtcIsoOrNull(r.completed_at);
      const failed = toSafeNumber(r.failed);
      const invoices = toSafeNumber(r.invoices);
      const emailed = toSafeNumber(r.emailed);
      const awaitingCharge = toSafeNumber(r.awaiting_charge);
      const status = completedAt
        ? failed > 0
          ? 'completed_with_failures'
          : 'completed'
        : startedAt || r.accounts_in_scope !== null
          ? 'running'
          : 'requested';
      return {
        runId: String(r.run_id),
        period: String(r.period),
        status,
        requestedAt: toUtcIsoOrNull(r.requested_at),
        requestedBy: (r.requested_by as string | null) ?? null,
        startedAt,
        completedAt,
        accountsInScope: toNullableNumber(r.accounts_in_scope),
        invoiced: toNullableNumber(r.invoiced),
        zeroTotal: toNullableNumber(r.zero_total),
        failed,
        invoices,
        charged: toSafeNumber(r.charged),
        declined: toSafeNumber(r.declined),
        emailed,
        onHold: toSafeNumber(r.on_hold),
        awaitingCharge,
        awaitingEmail: invoices - emailed,
        settled: completedAt !== null && awaitingCharge === 0 && emailed === invoices,
      };
    }),
  };
}

export function monthCloseRunsTable(list: MonthCloseRunList): Table {
  return {
    columns: [
      'run_id',
      'period',
      'status',
      'requested_at',
      'started_at',
      'completed_at',
      'accounts_in_scope',
      'invoiced',
      'zero_total',
      'failed',
      'invoices',
      'charged',
      'declined',
      'emailed',
      'on_hold',
      'awaiting_charge',
      'awaiting_email',
      'settled',
    ],
    rows: list.items.map((r) => [
      r.runId,
      r.period,
      r.status,
      r.requestedAt,
      r.startedAt,
      r.completedAt,
      r.accountsInScope,
      r.invoiced,
      r.zeroTotal,
      r.failed,
      r.invoices,
      r.charged,
      r.declined,
      r.emailed,
      r.onHold,
      r.awaitingCharge,
      r.awaitingEmail,
      r.settled,
    ]),
  };
}

/** An account a run could not invoice, while it has no invoice of that run. */
export interface RunFailure {
  accountId: string;
  code: string;
  reason: string;
  failedAt: string;
}

export interface RunFailureList {
  runId: string;
  /** Every open failure of the run; `items` lists the first `limit` by account id. */
  failedAccounts: number;
  items: RunFailure[];
}

export async function listRunFailures(dataSource: DataSource, runId: string, limit: number): Promise<RunFailureList> {
  const rows = await dataSource.query(
    `SELECT f.account_id, f.code, f.reason, f.failed_at, count(*) OVER () AS total
     FROM month_close_failures f WHERE f.run_id = $1 AND ${OPEN_FAILURE}
     ORDER BY f.account_id LIMIT $2`,
    [runId, limit],
  );
  return {
    runId,
    failedAccounts: rows.length === 0 ? 0 : toSafeNumber(rows[0].total),
    items: rows.map((r: Record<string, unknown>) => ({
      accountId: String(r.account_id),
      code: String(r.code),
      reason: String(r.reason),
      failedAt: toUtcIsoOrNull(r.failed_at)!,
    })),
  };
}

export function runFailuresTable(list: RunFailureList): Table {
  return {
    columns: ['run_id', 'account_id', 'code', 'reason', 'failed_at'],
    rows: list.items.map((f) => [list.runId, f.accountId, f.code, f.reason, f.failedAt]),
  };
}
