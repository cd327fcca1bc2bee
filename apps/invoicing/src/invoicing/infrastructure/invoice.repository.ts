import { EntityManager } from 'typeorm';
import { toSafeInteger, toUtcIso } from '@billing/messaging';
import { AccountRow, ACCOUNT_COLUMNS } from '../../accounts';
import { InvoiceGeneratedPayload } from '../domain/issue-invoice';
import { InvoicedQuantity } from '../domain/rating';
import { returnedRows } from '../../shared/sql';

/** An issued invoice as stored: its InvoiceGenerated payload plus the account it belongs to. */
export type IssuedInvoice = InvoiceGeneratedPayload & { accountId: string };

/** An issued invoice with what corrected it since: the total its credit notes credited, and when a void voided it. */
export type CorrectedInvoice = IssuedInvoice & { creditedMinor: number; voidedAt: string | null };

type CorrectedRow = { snapshot: IssuedInvoice; credited_minor: string; voided_at: Date | null };

const corrected = (row: CorrectedRow): CorrectedInvoice => ({
  ...row.snapshot,
  creditedMinor: toSafeInteger(row.credited_minor, 'credited_minor'),
  voidedAt: row.voided_at === null ? null : toUtcIso(row.voided_at),
});

/** Invoices (immutable once inserted), their lines, and the per-period invoice number sequence. */
export const invoiceRepository = {
  /**
   * The next page of a run's pass: active accounts in the eligible zones, after the cursor, with
   * no invoice for the period yet (and not failed in this run, unless an operator retried it). Locked until the page commits,
   * so a concurrent update or usage upload waits for the invoice.
   *
   * The invoices the page is checked against are bounded by the cursor too (`i.account_id > $4`,
   * implied by the join but not inferred by the planner): without it the anti-join walked every
   * invoice of the period from the first account on each page (a merge join over
   * `(account_id, period)`), 44,000 buffers a page after 57,000 invoices, so a close cost
   * O(accounts²). With it a page reads the invoices after the cursor only (none in a first pass).
   */
  async lockPage(
    manager: EntityManager,
    q: { runId: string; period: string; zones: readonly string[]; after: string | null; limit: number },
  ): Promise<AccountRow[]> {
    if (q.zones.length === 0) return [];
    return manager.query(
      `SELECT ${ACCOUNT_COLUMNS.split(',').map((c) => `a.${c.trim()}`).join(', ')} FROM accounts a
       WHERE a.status = 'active' AND a.time_zone = ANY($3::text[]) AND ($4::uuid IS NULL OR a.account_id > $4::uuid)
         AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.account_id = a.account_id AND i.period = $2
                           AND ($4::uuid IS NULL OR i.account_id > $4::uuid))
         AND NOT EXISTS (SELECT 1 FROM month_close_failures f
                         WHERE f.run_id = $1 AND f.account_id = a.account_id AND f.retried_at IS NULL)
       ORDER BY a.account_id
       LIMIT $5
       FOR UPDATE OF a`,
      [q.runId, q.period, q.zones, q.after, q.limit],
    );
  },

  /** The account's invoice of the period, if it has one. */
  async findInvoiceId(manager: EntityManager, accountId: string, period: string): Promise<string | null> {
    const rows: { invoice_id: string }[] = await manager.query(
      `SELECT invoice_id FROM invoices WHERE account_id = $1 AND period = $2`,
      [accountId, period],
    );
    return rows.length ? rows[0].invoice_id : null;
  },

  /** The snapshot the invoice was issued with (the InvoiceGenerated payload and the account id), if the invoice exists. */
  async findSnapshot(manager: EntityManager, invoiceId: string): Promise<IssuedInvoice | null> {
    const rows: { snapshot: IssuedInvoice }[] = await manager.query(`SELECT snapshot FROM invoices WHERE invoice_id = $1`, [invoiceId]);
    return rows.length ? rows[0].snapshot : null;
  },

  /** The invoice as issued plus what corrected it, if the invoice exists. */
  async findCorrected(manager: EntityManager, invoiceId: string): Promise<CorrectedInvoice | null> {
    const rows: CorrectedRow[] = await manager.query(`SELECT snapshot, credited_minor, voided_at FROM invoices WHERE invoice_id = $1`, [invoiceId]);
    return rows.length ? corrected(rows[0]) : null;
  },

  /**
   * One page of an account's invoices, newest period first (an account has one invoice per period,
   * so the period is the keyset: UNIQUE (account_id, period) serves it). `before`: only periods
   * earlier than this one; `period`: only that period.
   */
  async pageOfAccount(
    manager: EntityManager,
    q: { accountId: string; before: string | null; period: string | null; limit: number },
  ): Promise<CorrectedInvoice[]> {
    const rows: CorrectedRow[] = await manager.query(
      `SELECT snapshot, credited_minor, voided_at FROM invoices
       WHERE account_id = $1 AND ($2::text IS NULL OR period < $2) AND ($3::text IS NULL OR period = $3)
       ORDER BY period DESC
       LIMIT $4`,
      [q.accountId, q.before, q.period, q.limit],
    );
    return rows.map(corrected);
  },

  /** Reserves `count` consecutive numbers of the period's sequence; returns the first. */
  async allocateNumbers(manager: EntityManager, period: string, count: number): Promise<number> {
    const [{ last_value }] = await manager.query(
      `INSERT INTO invoice_sequences (period, last_value) VALUES ($1, $2)
       ON CONFLICT (period) DO UPDATE SET last_value = invoice_sequences.last_value + EXCLUDED.last_value
       RETURNING last_value`,
      [period, count],
    );
    return Number(last_value) - count + 1;
  },

  /** Bulk insert; UNIQUE(account_id, period) + DO NOTHING is the backstop against a second invoice. Returns the inserted ids. */
  async insertInvoices(manager: EntityManager, invoices: readonly IssuedInvoice[]): Promise<Set<string>> {
    if (invoices.length === 0) return new Set();
    const rows: { invoice_id: string }[] = await manager.query(
      `INSERT INTO invoices (invoice_id, invoice_number, account_id, period, run_id, currency, subtotal_minor,
         credit_applied_minor, total_minor, requires_charge, issued_at, due_at, snapshot)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::bigint[],
         $8::bigint[], $9::bigint[], $10::boolean[], $11::timestamptz[], $12::timestamptz[], $13::jsonb[])
       ON CONFLICT DO NOTHING
       RETURNING invoice_id`,
      [
        invoices.map((i) => i.invoiceId),
        invoices.map((i) => i.invoiceNumber),
        invoices.map((i) => i.accountId),
        invoices.map((i) => i.period),
        invoices.map((i) => i.runId),
        invoices.map((i) => i.currency),
        invoices.map((i) => i.subtotalMinor),
        invoices.map((i) => i.creditAppliedMinor),
        invoices.map((i) => i.totalMinor),
        invoices.map((i) => i.requiresCharge),
        invoices.map((i) => i.issuedAt),
        invoices.map((i) => i.dueAt),
        invoices.map((i) => JSON.stringify(i)),
      ],
    );
    return new Set(rows.map((r) => r.invoice_id));
  },

  async insertLines(manager: EntityManager, invoices: readonly IssuedInvoice[]): Promise<void> {
    const lines = invoices.flatMap((invoice) => invoice.lines.map((line) => ({ invoice, line })));
    if (lines.length === 0) return;
    await manager.query(
      `INSERT INTO invoice_lines (invoice_id, line_id, account_id, sku, resource_id, usage_period, quantity, unit_price,
         amount_minor, capped, late, kind)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::numeric[],
         $8::numeric[], $9::bigint[], $10::boolean[], $11::boolean[], $12::text[])`,
      [
        lines.map((l) => l.invoice.invoiceId),
        lines.map((l) => l.line.lineId),
        lines.map((l) => l.invoice.accountId),
        lines.map((l) => l.line.sku),
        lines.map((l) => l.line.resourceId),
        lines.map((l) => l.line.usagePeriod),
        lines.map((l) => l.line.quantity),
        lines.map((l) => l.line.unitPrice),
        lines.map((l) => l.line.amountMinor),
        lines.map((l) => l.line.capped),
        // a carried balance is not late usage, though it comes from an earlier period
        lines.map((l) => l.line.kind !== 'carried_balance' && l.line.usagePeriod !== l.invoice.period),
        lines.map((l) => l.line.kind ?? 'usage'),
      ],
    );
  },

  /** Spends credit that invoices applied (the page holds the account rows locked). */
  async spendCredit(manager: EntityManager, spent: readonly { accountId: string; amountMinor: number }[], at: string): Promise<void> {
    const used = spent.filter((s) => s.amountMinor > 0);
    if (used.length === 0) return;
    await manager.query(
      `UPDATE accounts a SET credit_balance_minor = a.credit_balance_minor - s.amount, updated_at = $3
       FROM unnest($1::uuid[], $2::bigint[]) AS s(account_id, amount)
       WHERE a.account_id = s.account_id`,
      [used.map((s) => s.accountId), used.map((s) => s.amountMinor), at],
    );
  },

  /**
   * Adds collected amounts to invoices: one statement for the whole batch (payments of one
   * invoice in a batch are summed first, so each counts). Returns, per payment, whether an
   * invoice in its currency took it.
   */
  async addCollected(manager: EntityManager, payments: readonly { invoiceId: string; currency: string; amountMinor: number }[]): Promise<boolean[]> {
    if (payments.length === 0) return [];
    const result: unknown = await manager.query(
      `UPDATE invoices i SET collected_minor = i.collected_minor + p.amount_minor
       FROM (SELECT invoice_id, currency, sum(amount_minor)::bigint AS amount_minor
             FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS x(invoice_id, currency, amount_minor)
             GROUP BY invoice_id, currency) p
       WHERE i.invoice_id = p.invoice_id AND i.currency = p.currency
       RETURNING i.invoice_id, i.currency`,
      [payments.map((p) => p.invoiceId), payments.map((p) => p.currency), payments.map((p) => p.amountMinor)],
    );
    const rows = returnedRows<{ invoice_id: string; currency: string }>(result);
    const took = new Set(rows.map((r) => `${r.invoice_id}|${r.currency.trim()}`));
    return payments.map((p) => took.has(`${p.invoiceId}|${p.currency}`));
  },

  /** Quantities already billed for (account, sku, resource, usage period): caps of late usage. */
  async invoicedQuantities(
    manager: EntityManager,
    accountIds: readonly string[],
    periods: readonly string[],
  ): Promise<Map<string, InvoicedQuantity[]>> {
    const byAccount = new Map<string, InvoicedQuantity[]>();
    if (accountIds.length === 0) return byAccount;
    const rows: { account_id: string; sku: string; resource_id: string; usage_period: string; quantity: string }[] = await manager.query(
      `SELECT account_id, sku, resource_id, usage_period, sum(quantity)::text AS quantity FROM invoice_lines
       WHERE account_id = ANY($1::uuid[]) AND usage_period = ANY($2::text[]) AND resource_id IS NOT NULL
       GROUP BY account_id, sku, resource_id, usage_period`,
      [accountIds, periods],
    );
    for (const r of rows) {
      const list = byAccount.get(r.account_id) ?? [];
      list.push({ sku: r.sku, resourceId: r.resource_id, usagePeriod: r.usage_period, quantity: r.quantity });
      byAccount.set(r.account_id, list);
    }
    return byAccount;
  },
};
