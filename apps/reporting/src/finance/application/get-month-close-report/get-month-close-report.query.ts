import { DataSource } from 'typeorm';
import { Table } from '../../infrastructure/http/csv';
import { toIso, toNullableNumber, toSafeNumber } from '../../infrastructure/sql';

export interface MonthCloseCurrencyFigures {
  currency: string;
  invoices: number;
  invoicedMinor: number;
  collectedMinor: number;
  /** Outstanding on invoices with at least one declined or failed charge (declined and not yet collected). */
  failedMinor: number;
  failedInvoices: number;
  outstandingMinor: number;
  zeroTotalInvoices: number;
  accountsInvoiced: number;
  /** Accounts invoiced in this currency that are on hold now. */
  accountsOnHold: number;
  /** Accounts put on hold (now or earlier) for an unpaid invoice of this period in this currency. */
  accountsPutOnHold: number;
  /** Emails about these invoices (invoice, payment-failed). */
  emailsSent: number;
  emailsFailed: number;
}

export interface MonthCloseRun {
  runId: string;
  status: 'requested' | 'running' | 'completed';
  requestedAt: string | null;
  requestedBy: string | null;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  accountsInScope: number | null;
  invoiced: number | null;
  zeroTotal: number | null;
}

export interface MonthCloseReport {
  period: string;
  currencies: MonthCloseCurrencyFigures[];
  /** Every email of the period's month close: about its invoices, or carrying its run id as correlation id. */
  emails: { sent: number; failed: number; byTemplate: { template: string; sent: number; failed: number }[] };
  runs: MonthCloseRun[];
}

/** The morning-after figures of one period, per currency, from the projection. */
export async function getMonthCloseReport(dataSource: DataSource, period: string): Promise<MonthCloseReport> {
  const currencies = await dataSource.query(
    `WITH inv AS (
       SELECT b.*,
              EXISTS (SELECT 1 FROM holds h
                      WHERE h.account_id = b.account_id AND h.placed_at IS NOT NULL AND h.released_at IS NULL) AS on_hold,
              EXISTS (SELECT 1 FROM holds h, jsonb_array_elements(h.unpaid_invoices) u
                      WHERE h.account_id = b.account_id AND u->>'invoiceId' = b.invoice_id::text) AS put_on_hold
       FROM invoice_balances b WHERE b.period = $1
     ), mail AS (
       SELECT invoice_id, count(*) FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE status = 'failed') AS failed
       FROM emails WHERE invoice_id IN (SELECT invoice_id FROM inv) GROUP BY invoice_id
     )
     SELECT inv.currency,
            count(*) AS invoices,
            sum(inv.total_minor) AS invoiced,
            sum(inv.collected_minor) AS collected,
            sum(inv.outstanding_minor) FILTER (WHERE inv.failed_attempts > 0) AS failed,
            count(*) FILTER (WHERE inv.failed_attempts > 0 AND inv.outstanding_minor > 0) AS failed_invoices,
            sum(inv.outstanding_minor) AS outstanding,
            count(*) FILTER (WHERE inv.total_minor = 0) AS zero_total,
            count(DISTINCT inv.account_id) AS accounts_invoiced,
            count(DISTINCT inv.account_id) FILTER (WHERE inv.on_hold) AS accounts_on_hold,
            count(DISTINCT inv.account_id) FILTER (WHERE inv.put_on_hold) AS accounts_put_on_hold,
            sum(mail.sent) AS emails_sent,
            sum(mail.failed) AS emails_failed
     FROM inv LEFT JOIN mail USING (invoice_id)
     GROUP BY inv.currency
     ORDER BY inv.currency`,
    [period],
  );
  const templates = await dataSource.query(
    `SELECT template, count(*) FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE status = 'failed') AS failed
     FROM emails e
     WHERE e.invoice_id IN (SELECT invoice_id FROM invoices WHERE period = $1)
        OR e.correlation_id IN (SELECT run_id::text FROM month_close_runs WHERE period = $1
                                UNION SELECT run_id::text FROM invoices WHERE period = $1)
     GROUP BY template ORDER BY template`,
    [period],
  );
  const runs = await dataSource.query(
    `SELECT run_id, requested_at, requested_by, started_at, completed_at, accounts_in_scope, invoiced, zero_total
     FROM month_close_runs WHERE period = $1
     ORDER BY COALESCE(started_at, requested_at) NULLS LAST, run_id`,
    [period],
  );

  const byTemplate = templates.map((t: Record<string, unknown>) => ({
    template: String(t.template),
    sent: toSafeNumber(t.sent),
    failed: toSafeNumber(t.failed),
  }));
  return {
    period,
    currencies: currencies.map((r: Record<string, unknown>) => ({
      currency: String(r.currency),
      invoices: toSafeNumber(r.invoices),
      invoicedMinor: toSafeNumber(r.invoiced),
      collectedMinor: toSafeNumber(r.collected),
      failedMinor: toSafeNumber(r.failed),
      failedInvoices: toSafeNumber(r.failed_invoices),
      outstandingMinor: toSafeNumber(r.outstanding),
      zeroTotalInvoices: toSafeNumber(r.zero_total),
      accountsInvoiced: toSafeNumber(r.accounts_invoiced),
      accountsOnHold: toSafeNumber(r.accounts_on_hold),
      accountsPutOnHold: toSafeNumber(r.accounts_put_on_hold),
      emailsSent: toSafeNumber(r.emails_sent),
      emailsFailed: toSafeNumber(r.emails_failed),
    })),
    emails: {
      sent: byTemplate.reduce((s: number, t: { sent: number }) => s + t.sent, 0),
      failed: byTemplate.reduce((s: number, t: { failed: number }) => s + t.failed, 0),
      byTemplate,
    },
    runs: runs.map((r: Record<string, unknown>): MonthCloseRun => {
      const startedAt = toIso(r.started_at);
      const completedAt = toIso(r.completed_at);
      return {
        runId: String(r.run_id),
        status: completedAt ? 'completed' : startedAt || r.accounts_in_scope !== null ? 'running' : 'requested',
        requestedAt: toIso(r.requested_at),
        requestedBy: (r.requested_by as string | null) ?? null,
        startedAt,
        completedAt,
        durationMs: startedAt && completedAt ? Date.parse(completedAt) - Date.parse(startedAt) : null,
        accountsInScope: toNullableNumber(r.accounts_in_scope),
        invoiced: toNullableNumber(r.invoiced),
        zeroTotal: toNullableNumber(r.zero_total),
      };
    }),
  };
}

/** One CSV row per currency; the run columns describe the period's first completed run (else its first run). */
export function monthCloseTable(report: MonthCloseReport): Table {
  const run = report.runs.find((r) => r.status === 'completed') ?? report.runs[0];
  return {
    columns: [
      'period',
      'currency',
      'invoices',
      'invoiced_minor',
      'collected_minor',
      'failed_minor',
      'failed_invoices',
      'outstanding_minor',
      'zero_total_invoices',
      'accounts_invoiced',
      'accounts_on_hold',
      'accounts_put_on_hold',
      'emails_sent',
      'emails_failed',
      'run_id',
      'run_started_at',
      'run_completed_at',
      'run_duration_ms',
    ],
    rows: report.currencies.map((c) => [
      report.period,
      c.currency,
      c.invoices,
      c.invoicedMinor,
      c.collectedMinor,
      c.failedMinor,
      c.failedInvoices,
      c.outstandingMinor,
      c.zeroTotalInvoices,
      c.accountsInvoiced,
      c.accountsOnHold,
      c.accountsPutOnHold,
      c.emailsSent,
      c.emailsFailed,
      run?.runId,
      run?.startedAt,
      run?.completedAt,
      run?.durationMs,
    ]),
  };
}
