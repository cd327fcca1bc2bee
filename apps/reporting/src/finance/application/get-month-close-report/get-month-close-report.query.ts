import { DataSource } from 'typeorm';
import { toUtcIsoOrNull } from '@billing/messaging';
import { Table } from '../../infrastructure/http/csv';
import { CurrencyTotals } from '../../domain/reconciliation';
import { CURRENCY_SUMS, currencyTotals } from '../../infrastructure/currency-totals';
import { toNullableNumber, toSafeNumber } from '../../infrastructure/sql';

/**
 * Corrections count in the period of the invoice they correct (see the README): a credit note
 * issued in January for a November invoice lowers November's figures, as a charge collected in
 * December for it raises November's collected.
 */
export interface MonthCloseCurrencyFigures extends CurrencyTotals {
  currency: string;
  invoices: number;
  /** Invoice totals (gross, before credit notes), including balances carried in from earlier invoices (billed again here). */
  invoicedMinor: number;
  /** Credit notes (voids included) issued for these invoices, and what they credited. */
  creditNotes: number;
  creditedMinor: number;
  /** invoicedMinor - creditedMinor: what these invoices ask for net of credit notes. */
  invoicedNetMinor: number;
  /** Refunded to the card by the provider. */
  refundedMinor: number;
  /** Settled to refund, no outcome from the provider yet. */
  refundPendingMinor: number;
  /** Refunds the provider refused: still owed to the customer (refunded by hand). */
  refundFailedMinor: number;
  /** Collected money credited to the account's credit balance for its next invoice. */
  accountCreditGrantedMinor: number;
  /** Credit notes on collected money that payments has not settled yet (refund or account credit to come). */
  creditAwaitingSettlementMinor: number;
  /** collectedCardMinor + collectedOfflineMinor. */
  collectedMinor: number;
  /** Succeeded provider charges. */
  collectedCardMinor: number;
  /** Payments recorded outside the provider (bank transfer, cheque). */
  collectedOfflineMinor: number;
  /** Totals below the provider minimum carried to the account's next invoice: no longer outstanding here. */
  carriedForwardMinor: number;
  /** Outstanding on invoices with at least one declined or failed charge (declined and not yet collected). */
  failedMinor: number;
  failedInvoices: number;
  /** invoicedMinor - carriedForwardMinor - collectedMinor - credits applied to it, per invoice never below zero. */
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
  /** `completed_with_failures` while the run ended and some of its failed accounts have no invoice yet. */
  status: 'requested' | 'running' | 'completed' | 'completed_with_failures';
  requestedAt: string | null;
  requestedBy: string | null;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  accountsInScope: number | null;
  invoiced: number | null;
  zeroTotal: number | null;
  /** Accounts of the run that failed and have no invoice of the run (yet). */
  failed: number;
}

/** An account the period's month close could not invoice, and why; gone once the account is invoiced by that run. */
export interface MonthCloseFailure {
  runId: string;
  accountId: string;
  code: string;
  reason: string;
  failedAt: string;
}

/** Failures listed in one report; `failedAccounts` counts them all. */
export const FAILURES_LISTED = 1000;

export interface MonthCloseReport {
  period: string;
  currencies: MonthCloseCurrencyFigures[];
  /** Every email of the period's month close: about its invoices, or carrying its run id as correlation id. */
  emails: { sent: number; failed: number; byTemplate: { template: string; sent: number; failed: number }[] };
  runs: MonthCloseRun[];
  failedAccounts: number;
  /** The first FAILURES_LISTED failed accounts, by account id. */
  failures: MonthCloseFailure[];
  /**
   * The issuance view, for the general ledger: credit notes (voids included) numbered in this month
   * (`CN-<period>-NNNNNN`), per currency, whatever period the invoices they credit belong to.
   */
  creditNotesIssued: { currency: string; creditNotes: number; creditedMinor: number }[];
}

const OPEN_FAILURE = `NOT EXISTS (SELECT 1 FROM invoices i WHERE i.account_id = f.account_id AND i.run_id = f.run_id)`;

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
            ${CURRENCY_SUMS},
            sum(inv.credit_notes) AS credit_notes,
            sum(inv.collected_card_minor) AS collected_card,
            sum(inv.collected_offline_minor) AS collected_offline,
            sum(inv.outstanding_minor) FILTER (WHERE inv.failed_attempts > 0) AS failed,
            count(*) FILTER (WHERE inv.failed_attempts > 0 AND inv.outstanding_minor > 0) AS failed_invoices,
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
    `SELECT r.run_id, r.requested_at, r.requested_by, r.started_at, r.completed_at, r.accounts_in_scope, r.invoiced, r.zero_total,
            (SELECT count(*) FROM month_close_failures f WHERE f.run_id = r.run_id AND ${OPEN_FAILURE}) AS failed
     FROM month_close_runs r WHERE r.period = $1
     ORDER BY COALESCE(r.started_at, r.requested_at) NULLS LAST, r.run_id`,
    [period],
  );
  const [{ count: failedAccounts }] = await dataSource.query(
    `SELECT count(*) AS count FROM month_close_failures f WHERE f.period = $1 AND ${OPEN_FAILURE}`,
    [period],
  );
  const failures = await dataSource.query(
    `SELECT f.run_id, f.account_id, f.code, f.reason, f.failed_at FROM month_close_failures f
     WHERE f.period = $1 AND ${OPEN_FAILURE}
     ORDER BY f.account_id, f.run_id LIMIT ${FAILURES_LISTED}`,
    [period],
  );
  const issued = await dataSource.query(
    `SELECT currency, count(*) AS credit_notes, sum(total_minor) AS credited FROM credit_notes
     WHERE credit_note_number LIKE 'CN-' || $1 || '-%' GROUP BY currency ORDER BY currency`,
    [period],
  );

  const byTemplate = templates.map((t: Record<string, unknown>) => ({
    template: String(t.template),
    sent: toSafeNumber(t.sent),
    failed: toSafeNumber(t.failed),
  }));
  return {
    period,
    currencies: currencies.map((r: Record<string, unknown>): MonthCloseCurrencyFigures => {
      const totals = currencyTotals(r);
      return {
        ...totals,
        invoices: toSafeNumber(r.invoices),
        creditNotes: toSafeNumber(r.credit_notes),
        invoicedNetMinor: totals.invoicedMinor - totals.creditedMinor,
        collectedCardMinor: toSafeNumber(r.collected_card),
        collectedOfflineMinor: toSafeNumber(r.collected_offline),
        failedMinor: toSafeNumber(r.failed),
        failedInvoices: toSafeNumber(r.failed_invoices),
        zeroTotalInvoices: toSafeNumber(r.zero_total),
        accountsInvoiced: toSafeNumber(r.accounts_invoiced),
        accountsOnHold: toSafeNumber(r.accounts_on_hold),
        accountsPutOnHold: toSafeNumber(r.accounts_put_on_hold),
        emailsSent: toSafeNumber(r.emails_sent),
        emailsFailed: toSafeNumber(r.emails_failed),
      };
    }),
    emails: {
      sent: byTemplate.reduce((s: number, t: { sent: number }) => s + t.sent, 0),
      failed: byTemplate.reduce((s: number, t: { failed: number }) => s + t.failed, 0),
      byTemplate,
    },
    runs: runs.map((r: Record<string, unknown>): MonthCloseRun => {
      const startedAt = toUtcIsoOrNull(r.started_at);
      const completedAt = toUtcIsoOrNull(r.completed_at);
      const failed = toSafeNumber(r.failed);
      return {
        runId: String(r.run_id),
        status: completedAt
          ? failed > 0
            ? 'completed_with_failures'
            : 'completed'
          : startedAt || r.accounts_in_scope !== null
            ? 'running'
            : 'requested',
        requestedAt: toUtcIsoOrNull(r.requested_at),
        requestedBy: (r.requested_by as string | null) ?? null,
        startedAt,
        completedAt,
        durationMs: startedAt && completedAt ? Date.parse(completedAt) - Date.parse(startedAt) : null,
        accountsInScope: toNullableNumber(r.accounts_in_scope),
        invoiced: toNullableNumber(r.invoiced),
        zeroTotal: toNullableNumber(r.zero_total),
        failed,
      };
    }),
    failedAccounts: toSafeNumber(failedAccounts),
    failures: failures.map((f: Record<string, unknown>) => ({
      runId: String(f.run_id),
      accountId: String(f.account_id),
      code: String(f.code),
      reason: String(f.reason),
      failedAt: toUtcIsoOrNull(f.failed_at)!,
    })),
    creditNotesIssued: issued.map((r: Record<string, unknown>) => ({
      currency: String(r.currency),
      creditNotes: toSafeNumber(r.credit_notes),
      creditedMinor: toSafeNumber(r.credited),
    })),
  };
}

/** One CSV row per currency; the run columns describe the period's first completed run (else its first run). */
export function monthCloseTable(report: MonthCloseReport): Table {
  const run = report.runs.find((r) => r.status === 'completed' || r.status === 'completed_with_failures') ?? report.runs[0];
  return {
    columns: [
      'period',
      'currency',
      'invoices',
      'invoiced_minor',
      'collected_minor',
      'collected_card_minor',
      'collected_offline_minor',
      'carried_forward_minor',
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
      'run_status',
      'failed_accounts',
      'credit_notes',
      'credited_minor',
      'invoiced_net_minor',
      'refunded_minor',
      'refund_pending_minor',
      'refund_failed_minor',
      'account_credit_granted_minor',
      'credit_awaiting_settlement_minor',
    ],
    rows: report.currencies.map((c) => [
      report.period,
      c.currency,
      c.invoices,
      c.invoicedMinor,
      c.collectedMinor,
      c.collectedCardMinor,
      c.collectedOfflineMinor,
      c.carriedForwardMinor,
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
      run?.status,
      report.failedAccounts,
      c.creditNotes,
      c.creditedMinor,
      c.invoicedNetMinor,
      c.refundedMinor,
      c.refundPendingMinor,
      c.refundFailedMinor,
      c.accountCreditGrantedMinor,
      c.creditAwaitingSettlementMinor,
    ]),
  };
}
