import { DataSource } from 'typeorm';
import { Table } from '../../infrastructure/http/csv';
import { toSafeNumber } from '../../infrastructure/sql';

export type RevenueGrouping = 'currency' | 'product' | 'period';

/**
 * Revenue is what was invoiced, by the invoice's billing period (accrual), never summed across
 * currencies. By product, rows are the invoice lines' amounts before credits, and each
 * currency gets one `(credit applied)` row (negative) so the rows add up to what was invoiced
 * less the balances carried in from earlier invoices (`carried_balance` lines: revenue of their
 * own month, where the invoice that carried them forward was issued; `totals.carriedInMinor`).
 * Credit notes count in the period of the invoice they credit: other groupings show them as
 * `creditedMinor` next to the gross `amountMinor` and the net `netAmountMinor`; by product, each
 * currency gets one `(credit notes)` row (negative: what credit notes credited on its product lines).
 */
export interface RevenueRow {
  currency: string;
  period?: string;
  sku?: string;
  invoices: number;
  /** Product rows only: the summed quantity, as an exact decimal string. */
  quantity?: string | null;
  /** Product rows: line amounts; other groupings: the invoices' totals (after credit applied at issue, before credit notes). */
  amountMinor: number;
  /** Other groupings: what credit notes (voids included) credited on these invoices. */
  creditedMinor?: number;
  /** Other groupings: amountMinor - creditedMinor, revenue net of credit notes. */
  netAmountMinor?: number;
  subtotalMinor?: number;
  creditAppliedMinor?: number;
  collectedMinor?: number;
  outstandingMinor?: number;
}

export interface RevenueReport {
  from: string;
  to: string;
  groupBy: RevenueGrouping;
  rows: RevenueRow[];
  /** Per currency: invoice totals, and the carried_balance lines within them (billed again, not revenue again). */
  totals: { currency: string; invoicedMinor: number; carriedInMinor: number; creditedMinor: number }[];
}

export const CREDIT_ROW_SKU = '(credit applied)';
export const CREDIT_NOTES_ROW_SKU = '(credit notes)';

export async function getRevenueReport(dataSource: DataSource, from: string, to: string, groupBy: RevenueGrouping): Promise<RevenueReport> {
  let rows: RevenueRow[];
  if (groupBy === 'product') {
    const raw = await dataSource.query(
      `SELECT currency, sku, invoices, quantity, amount FROM (
         SELECT i.currency, l.sku, 0 AS kind, count(DISTINCT l.invoice_id) AS invoices,
                sum(l.quantity)::text AS quantity, sum(l.amount_minor) AS amount
         FROM invoice_lines l JOIN invoices i USING (invoice_id)
         WHERE i.period BETWEEN $1 AND $2 AND l.kind <> 'carried_balance'
         GROUP BY i.currency, l.sku
         UNION ALL
         SELECT currency, $3, 1, count(*), NULL, -sum(credit_applied_minor)
         FROM invoices WHERE period BETWEEN $1 AND $2 AND credit_applied_minor > 0
         GROUP BY currency
         UNION ALL
         SELECT i.currency, $4, 2, count(DISTINCT i.invoice_id), NULL, -sum(x."amountMinor")
         FROM credit_notes n JOIN invoices i USING (invoice_id)
         CROSS JOIN jsonb_to_recordset(n.lines) AS x("lineId" text, "amountMinor" bigint)
         JOIN invoice_lines l ON l.invoice_id = n.invoice_id AND l.line_id = x."lineId"
         WHERE i.period BETWEEN $1 AND $2 AND n.currency = i.currency AND l.kind <> 'carried_balance'
         GROUP BY i.currency
       ) r ORDER BY currency, kind, sku`,
      [from, to, CREDIT_ROW_SKU, CREDIT_NOTES_ROW_SKU],
    );
    rows = raw.map((r: Record<string, unknown>) => ({
      currency: String(r.currency),
      sku: String(r.sku),
      invoices: toSafeNumber(r.invoices),
      quantity: (r.quantity as string | null) ?? null,
      amountMinor: toSafeNumber(r.amount),
    }));
  } else {
    const byPeriod = groupBy === 'period';
    const raw = await dataSource.query(
      `SELECT ${byPeriod ? 'period,' : ''} currency, count(*) AS invoices,
              sum(subtotal_minor) AS subtotal, sum(credit_applied_minor) AS credit, sum(total_minor) AS total,
              sum(credited_minor) AS credited, sum(collected_minor) AS collected, sum(outstanding_minor) AS outstanding
       FROM invoice_balances WHERE period BETWEEN $1 AND $2
       GROUP BY ${byPeriod ? 'period,' : ''} currency
       ORDER BY ${byPeriod ? 'period,' : ''} currency`,
      [from, to],
    );
    rows = raw.map((r: Record<string, unknown>) => ({
      ...(byPeriod ? { period: String(r.period) } : {}),
      currency: String(r.currency),
      invoices: toSafeNumber(r.invoices),
      amountMinor: toSafeNumber(r.total),
      creditedMinor: toSafeNumber(r.credited),
      netAmountMinor: toSafeNumber(r.total) - toSafeNumber(r.credited),
      subtotalMinor: toSafeNumber(r.subtotal),
      creditAppliedMinor: toSafeNumber(r.credit),
      collectedMinor: toSafeNumber(r.collected),
      outstandingMinor: toSafeNumber(r.outstanding),
    }));
  }
  const totals = await dataSource.query(
    `SELECT i.currency, sum(i.total_minor) AS invoiced, COALESCE(sum(l.carried), 0) AS carried_in, sum(i.credited_minor) AS credited
     FROM invoice_balances i
     LEFT JOIN (SELECT invoice_id, sum(amount_minor) AS carried FROM invoice_lines WHERE kind = 'carried_balance' GROUP BY invoice_id) l
       USING (invoice_id)
     WHERE i.period BETWEEN $1 AND $2 GROUP BY i.currency ORDER BY i.currency`,
    [from, to],
  );
  return {
    from,
    to,
    groupBy,
    rows,
    totals: totals.map((t: Record<string, unknown>) => ({
      currency: String(t.currency),
      invoicedMinor: toSafeNumber(t.invoiced),
      carriedInMinor: toSafeNumber(t.carried_in),
      creditedMinor: toSafeNumber(t.credited),
    })),
  };
}

export function revenueTable(report: RevenueReport): Table {
  if (report.groupBy === 'product') {
    return {
      columns: ['from', 'to', 'currency', 'sku', 'invoices', 'quantity', 'amount_minor'],
      rows: report.rows.map((r) => [report.from, report.to, r.currency, r.sku, r.invoices, r.quantity, r.amountMinor]),
    };
  }
  const byPeriod = report.groupBy === 'period';
  return {
    columns: [
      ...(byPeriod ? ['period'] : ['from', 'to']),
      'currency',
      'invoices',
      'subtotal_minor',
      'credit_applied_minor',
      'invoiced_minor',
      'collected_minor',
      'outstanding_minor',
      'credited_minor',
      'net_invoiced_minor',
    ],
    rows: report.rows.map((r) => [
      ...(byPeriod ? [r.period] : [report.from, report.to]),
      r.currency,
      r.invoices,
      r.subtotalMinor,
      r.creditAppliedMinor,
      r.amountMinor,
      r.collectedMinor,
      r.outstandingMinor,
      r.creditedMinor,
      r.netAmountMinor,
    ]),
  };
}
