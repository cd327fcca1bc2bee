import { DataSource } from 'typeorm';
import { toUtcIsoOrNull } from '@billing/messaging';
import { TotalsMismatch, totalsThatDoNotAddUp } from '../../domain/reconciliation';
import { CURRENCY_SUMS, currencyTotals } from '../../infrastructure/currency-totals';
import { Table } from '../../infrastructure/http/csv';
import { toSafeNumber } from '../../infrastructure/sql';

export interface InvoiceFinding {
  invoiceId: string;
  invoiceNumber: string;
  accountId: string;
  currency: string;
  totalMinor: number;
  issuedAt: string;
}

export interface ChargeFinding {
  invoiceId: string;
  invoiceNumber: string;
  accountId: string;
  outcome: string;
  attempt: number;
  amountMinor: number;
  currency: string;
  occurredAt: string;
}

export interface HoldFinding {
  holdId: string;
  accountId: string;
  reason: string | null;
  placedAt: string | null;
}

export interface LinesFinding extends InvoiceFinding {
  subtotalMinor: number;
  linesMinor: number;
}

/**
 * What does not reconcile for one billing period. An invoice has a charge outcome once a charge
 * succeeded, failed or was skipped (e.g. below the provider minimum, no payment method) or an
 * offline payment was recorded against it. Lists are empty after a clean month close.
 * Charges without an invoice and holds on accounts that owe nothing are not tied to a period
 * (a charge without its invoice has none; a hold is per account), so they are listed for
 * every period. Each list holds at most `limit` items; `counts` has the full numbers.
 */
export interface ReconciliationReport {
  period: string;
  clean: boolean;
  counts: Record<ReconciliationCheck, number>;
  invoicesWithoutChargeOutcome: InvoiceFinding[];
  chargesWithoutInvoice: ChargeFinding[];
  invoicesWithoutInvoiceEmail: InvoiceFinding[];
  holdsWithNothingUnpaid: HoldFinding[];
  invoicesWhoseLinesDoNotAddUp: LinesFinding[];
  totalsThatDoNotAddUp: TotalsMismatch[];
}

export type ReconciliationCheck =
  | 'invoicesWithoutChargeOutcome'
  | 'chargesWithoutInvoice'
  | 'invoicesWithoutInvoiceEmail'
  | 'holdsWithNothingUnpaid'
  | 'invoicesWhoseLinesDoNotAddUp'
  | 'totalsThatDoNotAddUp';

const invoiceFinding = (r: Record<string, unknown>): InvoiceFinding => ({
  invoiceId: String(r.invoice_id),
  invoiceNumber: String(r.invoice_number),
  accountId: String(r.account_id),
  currency: String(r.currency),
  totalMinor: toSafeNumber(r.total_minor),
  issuedAt: toUtcIsoOrNull(r.issued_at)!,
});

async function listWithCount<T>(
  dataSource: DataSource,
  sql: string,
  orderBy: string,
  params: unknown[],
  limit: number,
  map: (r: Record<string, unknown>) => T,
): Promise<{ items: T[]; count: number }> {
  const rows = await dataSource.query(
    `SELECT *, count(*) OVER () AS total_count FROM (${sql}) f ORDER BY ${orderBy} LIMIT ${Number(limit)}`,
    params,
  );
  return { items: rows.map(map), count: rows.length === 0 ? 0 : toSafeNumber(rows[0].total_count) };
}

export async function getReconciliation(dataSource: DataSource, period: string, limit: number): Promise<ReconciliationReport> {
  const invoiceColumns = 'i.invoice_id, i.invoice_number, i.account_id, i.currency, i.total_minor, i.issued_at';
  const withoutOutcome = await listWithCount(
    dataSource,
    `SELECT ${invoiceColumns} FROM invoice_balances i WHERE i.period = $1 AND i.outcomes = 0`,
    'invoice_number, invoice_id',
    [period],
    limit,
    invoiceFinding,
  );
  const orphanCharges = await listWithCount(
    dataSource,
    `SELECT a.* FROM charge_attempts a WHERE NOT EXISTS (SELECT 1 FROM invoices i WHERE i.invoice_id = a.invoice_id)`,
    'invoice_id, attempt, outcome',
    [],
    limit,
    (r) => ({
      invoiceId: String(r.invoice_id),
      invoiceNumber: String(r.invoice_number),
      accountId: String(r.account_id),
      outcome: String(r.outcome),
      attempt: toSafeNumber(r.attempt),
      amountMinor: toSafeNumber(r.amount_minor),
      currency: String(r.currency),
      occurredAt: toUtcIsoOrNull(r.occurred_at)!,
    }),
  );
  const withoutEmail = await listWithCount(
    dataSource,
    `SELECT ${invoiceColumns} FROM invoices i
     WHERE i.period = $1
       AND NOT EXISTS (SELECT 1 FROM emails e WHERE e.invoice_id = i.invoice_id AND e.template = 'invoice' AND e.status = 'sent')`,
    'invoice_number, invoice_id',
    [period],
    limit,
    invoiceFinding,
  );
  const idleHolds = await listWithCount(
    dataSource,
    `SELECT h.hold_id, h.account_id, h.reason, h.placed_at FROM holds h
     WHERE h.placed_at IS NOT NULL AND h.released_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM invoice_balances b WHERE b.account_id = h.account_id AND b.outstanding_minor > 0)`,
    'account_id, hold_id',
    [],
    limit,
    (r) => ({
      holdId: String(r.hold_id),
      accountId: String(r.account_id),
      reason: (r.reason as string | null) ?? null,
      placedAt: toUtcIsoOrNull(r.placed_at),
    }),
  );
  const badLines = await listWithCount(
    dataSource,
    `SELECT ${invoiceColumns}, i.subtotal_minor, COALESCE(l.amount, 0) AS lines_minor
     FROM invoices i LEFT JOIN (SELECT invoice_id, sum(amount_minor) AS amount FROM invoice_lines GROUP BY invoice_id) l USING (invoice_id)
     WHERE i.period = $1 AND COALESCE(l.amount, 0) <> i.subtotal_minor`,
    'invoice_number, invoice_id',
    [period],
    limit,
    (r) => ({ ...invoiceFinding(r), subtotalMinor: toSafeNumber(r.subtotal_minor), linesMinor: toSafeNumber(r.lines_minor) }),
  );
  const totals = await dataSource.query(
    `SELECT currency, ${CURRENCY_SUMS} FROM invoice_balances WHERE period = $1 GROUP BY currency ORDER BY currency`,
    [period],
  );
  const mismatches = totalsThatDoNotAddUp(totals.map(currencyTotals));
  const counts: Record<ReconciliationCheck, number> = {
    invoicesWithoutChargeOutcome: withoutOutcome.count,
    chargesWithoutInvoice: orphanCharges.count,
    invoicesWithoutInvoiceEmail: withoutEmail.count,
    holdsWithNothingUnpaid: idleHolds.count,
    invoicesWhoseLinesDoNotAddUp: badLines.count,
    totalsThatDoNotAddUp: mismatches.length,
  };
  return {
    period,
    clean: Object.values(counts).every((n) => n === 0),
    counts,
    invoicesWithoutChargeOutcome: withoutOutcome.items,
    chargesWithoutInvoice: orphanCharges.items,
    invoicesWithoutInvoiceEmail: withoutEmail.items,
    holdsWithNothingUnpaid: idleHolds.items,
    invoicesWhoseLinesDoNotAddUp: badLines.items,
    totalsThatDoNotAddUp: mismatches,
  };
}

const totalsDetail = (f: TotalsMismatch) =>
  [
    `invoiced ${f.invoicedMinor}, carried forward ${f.carriedForwardMinor}, credited ${f.creditedMinor}`,
    `collected ${f.collectedMinor}, refunded ${f.refundedMinor}, refund pending ${f.refundPendingMinor}, refund failed ${f.refundFailedMinor}`,
    `account credit granted ${f.accountCreditGrantedMinor}, credit awaiting settlement ${f.creditAwaitingSettlementMinor}, outstanding ${f.outstandingMinor}`,
  ].join(', ');

/** One CSV row per finding (a clean period is the header row alone). */
export function reconciliationTable(report: ReconciliationReport): Table {
  const columns = ['period', 'check', 'invoice_id', 'invoice_number', 'account_id', 'hold_id', 'currency', 'amount_minor', 'detail'];
  const rows: (string | number | null)[][] = [];
  const p = report.period;
  for (const f of report.invoicesWithoutChargeOutcome) {
    rows.push([p, 'invoice_without_charge_outcome', f.invoiceId, f.invoiceNumber, f.accountId, null, f.currency, f.totalMinor, `issued ${f.issuedAt}`]);
  }
  for (const f of report.chargesWithoutInvoice) {
    rows.push([p, 'charge_without_invoice', f.invoiceId, f.invoiceNumber, f.accountId, null, f.currency, f.amountMinor, `${f.outcome} attempt ${f.attempt} at ${f.occurredAt}`]);
  }
  for (const f of report.invoicesWithoutInvoiceEmail) {
    rows.push([p, 'invoice_without_invoice_email', f.invoiceId, f.invoiceNumber, f.accountId, null, f.currency, f.totalMinor, `issued ${f.issuedAt}`]);
  }
  for (const f of report.holdsWithNothingUnpaid) {
    rows.push([p, 'hold_with_nothing_unpaid', null, null, f.accountId, f.holdId, null, null, `${f.reason ?? ''} placed ${f.placedAt ?? ''}`.trim()]);
  }
  for (const f of report.invoicesWhoseLinesDoNotAddUp) {
    rows.push([p, 'invoice_lines_do_not_add_up', f.invoiceId, f.invoiceNumber, f.accountId, null, f.currency, f.subtotalMinor - f.linesMinor, `subtotal ${f.subtotalMinor}, lines ${f.linesMinor}`]);
  }
  for (const f of report.totalsThatDoNotAddUp) {
    rows.push([p, 'totals_do_not_add_up', null, null, null, null, f.currency, f.differenceMinor, totalsDetail(f)]);
  }
  return { columns, rows };
}
