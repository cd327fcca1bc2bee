import { DataSource } from 'typeorm';
import { toUtcIsoOrNull } from '@billing/messaging';
import { Table } from '../../infrastructure/http/csv';
import { daysPastDueSql, toSafeNumber } from '../../infrastructure/sql';

/**
 * An account is delinquent in a currency while it owes something on an invoice that is past
 * due, or whose charge was declined. One row per (account, currency), ordered by both.
 */
export interface DelinquentAccount {
  accountId: string;
  currency: string;
  unpaidInvoices: number;
  amountMinor: number;
  oldestDueAt: string;
  /** Days the oldest unpaid invoice is past due now (ceil of 24h periods; 0 while not yet due). */
  daysPastDue: number;
  declinedInvoices: number;
  onHold: boolean;
  holdId: string | null;
  holdPlacedAt: string | null;
  holdReason: string | null;
}

export interface DelinquentAccountsPage {
  asOf: string;
  items: DelinquentAccount[];
  nextCursor: string | null;
}

export interface DelinquentCursor {
  accountId: string;
  currency: string;
}

export async function listDelinquentAccounts(
  dataSource: DataSource,
  now: Date,
  limit: number,
  after: DelinquentCursor | undefined,
  encode: (position: DelinquentCursor) => string,
): Promise<DelinquentAccountsPage> {
  const rows = await dataSource.query(
    `WITH unpaid AS (
       SELECT account_id, currency, outstanding_minor, due_at, failed_attempts
       FROM invoice_balances
       WHERE outstanding_minor > 0 AND (due_at < $1 OR failed_attempts > 0)
         AND ($3::text IS NULL OR (account_id, currency) > ($3::text, $4::text))
     ), active AS (
       SELECT DISTINCT ON (account_id) account_id, hold_id, placed_at, reason
       FROM holds WHERE placed_at IS NOT NULL AND released_at IS NULL
       ORDER BY account_id, placed_at, hold_id
     )
     SELECT u.account_id, u.currency, count(*) AS invoices, sum(u.outstanding_minor) AS amount,
            min(u.due_at) AS oldest_due_at, ${daysPastDueSql('min(u.due_at)', '$1::timestamptz')} AS days,
            count(*) FILTER (WHERE u.failed_attempts > 0) AS declined,
            a.hold_id, a.placed_at, a.reason
     FROM unpaid u LEFT JOIN active a USING (account_id)
     GROUP BY u.account_id, u.currency, a.hold_id, a.placed_at, a.reason
     ORDER BY u.account_id, u.currency
     LIMIT $2`,
    [now.toISOString(), limit + 1, after?.accountId ?? null, after?.currency ?? null],
  );
  const items: DelinquentAccount[] = rows.slice(0, limit).map((r: Record<string, unknown>) => ({
    accountId: String(r.account_id),
    currency: String(r.currency),
    unpaidInvoices: toSafeNumber(r.invoices),
    amountMinor: toSafeNumber(r.amount),
    oldestDueAt: toUtcIsoOrNull(r.oldest_due_at)!,
    daysPastDue: toSafeNumber(r.days, 'days'),
    declinedInvoices: toSafeNumber(r.declined),
    onHold: r.hold_id !== null,
    holdId: (r.hold_id as string | null) ?? null,
    holdPlacedAt: toUtcIsoOrNull(r.placed_at),
    holdReason: (r.reason as string | null) ?? null,
  }));
  const last = items[items.length - 1];
  return {
    asOf: now.toISOString(),
    items,
    nextCursor: rows.length > limit && last ? encode({ accountId: last.accountId, currency: last.currency }) : null,
  };
}

export function delinquentTable(page: DelinquentAccountsPage): Table {
  return {
    columns: [
      'account_id',
      'currency',
      'unpaid_invoices',
      'amount_minor',
      'oldest_due_at',
      'days_past_due',
      'declined_invoices',
      'on_hold',
      'hold_id',
      'hold_placed_at',
      'hold_reason',
    ],
    rows: page.items.map((a) => [
      a.accountId,
      a.currency,
      a.unpaidInvoices,
      a.amountMinor,
      a.oldestDueAt,
      a.daysPastDue,
      a.declinedInvoices,
      a.onHold,
      a.holdId,
      a.holdPlacedAt,
      a.holdReason,
    ]),
  };
}
