import { DataSource } from 'typeorm';
import { AGING_BUCKETS, AgingRow, ageReceivables, endOfUtcDay } from '../../domain/aging';
import { Table } from '../../infrastructure/http/csv';
import { daysPastDueSql, toSafeNumber } from '../../infrastructure/sql';

export interface ArAgingReport {
  asOf: string;
  /** The exclusive end of the asOf day (UTC): invoices issued and payments received before it count. */
  cutoff: string;
  currencies: AgingRow[];
}

/**
 * Outstanding receivables at the end of `asOf` (UTC), per currency, in days-past-due buckets:
 * invoice totals less what was carried to a later invoice, less card charges succeeded and
 * offline payments received before the cutoff, less credit notes: what payments applied to the
 * outstanding amount if it settled the note before the cutoff, else (issued before the cutoff,
 * settled after it or not yet) the note's total, as the balance view counts an unsettled note.
 */
export async function getArAging(dataSource: DataSource, asOf: string): Promise<ArAgingReport> {
  const cutoff = endOfUtcDay(asOf);
  const rows = await dataSource.query(
    `WITH collected AS ( -- collected, or no longer owed because credited
       SELECT invoice_id, sum(amount) AS amount FROM (
         SELECT a.invoice_id, a.amount_minor AS amount
         FROM charge_attempts a JOIN invoices i USING (invoice_id)
         WHERE a.outcome = 'succeeded' AND a.currency = i.currency AND a.occurred_at < $1
         UNION ALL
         SELECT p.invoice_id, p.amount_minor
         FROM offline_payments p JOIN invoices i USING (invoice_id)
         WHERE p.currency = i.currency AND p.received_at < $1
         UNION ALL
         SELECT COALESCE(n.invoice_id, s.invoice_id),
                CASE WHEN s.settled_at < $1 THEN s.applied_to_outstanding_minor WHEN n.issued_at < $1 THEN n.total_minor ELSE 0 END
         FROM credit_notes n FULL JOIN credit_note_settlements s USING (credit_note_id)
         JOIN invoices i ON i.invoice_id = COALESCE(n.invoice_id, s.invoice_id) AND i.currency = COALESCE(n.currency, s.currency)
       ) paid
       GROUP BY invoice_id
     ), open AS (
       SELECT i.currency, i.due_at, i.total_minor - i.carried_forward_minor - COALESCE(c.amount, 0) AS outstanding
       FROM invoices i LEFT JOIN collected c USING (invoice_id)
       WHERE i.issued_at < $1 AND i.total_minor - i.carried_forward_minor > COALESCE(c.amount, 0)
     )
     SELECT currency, ${daysPastDueSql('due_at', '$1::timestamptz')} AS days, sum(outstanding) AS outstanding, count(*) AS invoices
     FROM open GROUP BY 1, 2`,
    [cutoff],
  );
  return {
    asOf,
    cutoff,
    currencies: ageReceivables(
      rows.map((r: Record<string, unknown>) => ({
        currency: String(r.currency),
        daysPastDue: toSafeNumber(r.days, 'days'),
        outstandingMinor: toSafeNumber(r.outstanding),
        invoices: toSafeNumber(r.invoices),
      })),
    ),
  };
}

const COLUMN: Record<(typeof AGING_BUCKETS)[number], string> = {
  current: 'current_minor',
  days1To30: 'days_1_30_minor',
  days31To60: 'days_31_60_minor',
  days61To90: 'days_61_90_minor',
  over90: 'over_90_minor',
};

export function arAgingTable(report: ArAgingReport): Table {
  return {
    columns: ['as_of', 'currency', ...AGING_BUCKETS.map((b) => COLUMN[b]), 'total_minor', 'invoices'],
    rows: report.currencies.map((c) => [report.asOf, c.currency, ...AGING_BUCKETS.map((b) => c[b]), c.totalMinor, c.invoices]),
  };
}
