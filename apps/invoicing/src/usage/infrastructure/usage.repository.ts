import { EntityManager } from 'typeorm';

export interface NewUsageRow {
  usageId: string;
  accountId: string;
  sku: string;
  resourceId: string;
  quantity: string;
  occurredAt: string;
  /** The period of `occurredAt` in the account's zone when the record arrived. */
  usagePeriod: string;
}

export interface UnbilledUsageRow {
  usage_id: string;
  account_id: string;
  sku: string;
  resource_id: string;
  quantity: string;
  occurred_at: Date;
}

/** The facts of a usage record that must match when its id (per account) arrives again. */
export type UsageFact = 'sku' | 'resourceId' | 'quantity' | 'occurredAt';

export interface UsageFactConflict {
  /** Position of the record in the rows given. */
  index: number;
  differing: UsageFact[];
}

export const usageRepository = {
  /**
   * Bulk insert; a usage id the account already stored is skipped (`usageConflicts` tells a
   * retry from a record that changed its facts). A record
   * whose period already has an invoice for the account is flagged late: it stays unbilled and
   * the account's next invoice bills it on its own labelled line.
   */
  async insert(manager: EntityManager, rows: readonly NewUsageRow[], receivedAt: string): Promise<{ inserted: number; late: number }> {
    if (rows.length === 0) return { inserted: 0, late: 0 };
    const result: { late: boolean }[] = await manager.query(
      `INSERT INTO usage_records (usage_id, account_id, sku, resource_id, quantity, occurred_at, usage_period, received_at, late)
       SELECT r.usage_id, r.account_id, r.sku, r.resource_id, r.quantity, r.occurred_at, r.usage_period, $8,
              EXISTS (SELECT 1 FROM invoices i WHERE i.account_id = r.account_id AND i.period = r.usage_period)
       FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::numeric[], $6::timestamptz[], $7::text[])
         AS r(usage_id, account_id, sku, resource_id, quantity, occurred_at, usage_period)
       ON CONFLICT (account_id, usage_id) DO NOTHING
       RETURNING late`,
      [
        rows.map((r) => r.usageId),
        rows.map((r) => r.accountId),
        rows.map((r) => r.sku),
        rows.map((r) => r.resourceId),
        rows.map((r) => r.quantity),
        rows.map((r) => r.occurredAt),
        rows.map((r) => r.usagePeriod),
        receivedAt,
      ],
    );
    return { inserted: result.length, late: result.filter((r) => r.late).length };
  },

  /**
   * Rows whose (account, usage id) is stored with other facts: an earlier upload, an earlier
   * record of the same batch, or a concurrent upload that committed first (each statement reads
   * what has committed). Compared by PostgreSQL as stored: quantity as numeric (12.5 = 12.50),
   * occurredAt as an instant to the microsecond, sku and resourceId as text.
   */
  async usageConflicts(manager: EntityManager, rows: readonly NewUsageRow[]): Promise<UsageFactConflict[]> {
    if (rows.length === 0) return [];
    const found: { idx: number; sku: boolean; resource_id: boolean; quantity: boolean; occurred_at: boolean }[] = await manager.query(
      `SELECT r.idx, u.sku <> r.sku AS sku, u.resource_id <> r.resource_id AS resource_id,
              u.quantity <> r.quantity AS quantity, u.occurred_at <> r.occurred_at AS occurred_at
       FROM unnest($1::int[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::timestamptz[])
         AS r(idx, account_id, usage_id, sku, resource_id, quantity, occurred_at)
       JOIN usage_records u ON u.account_id = r.account_id AND u.usage_id = r.usage_id
       WHERE u.sku <> r.sku OR u.resource_id <> r.resource_id OR u.quantity <> r.quantity OR u.occurred_at <> r.occurred_at
       ORDER BY r.idx`,
      [
        rows.map((_, i) => i),
        rows.map((r) => r.accountId),
        rows.map((r) => r.usageId),
        rows.map((r) => r.sku),
        rows.map((r) => r.resourceId),
        rows.map((r) => r.quantity),
        rows.map((r) => r.occurredAt),
      ],
    );
    return found.map((f) => ({
      index: f.idx,
      differing: (
        [
          ['sku', f.sku],
          ['resourceId', f.resource_id],
          ['quantity', f.quantity],
          ['occurredAt', f.occurred_at],
        ] as const
      )
        .filter(([, differs]) => differs)
        .map(([fact]) => fact),
    }));
  },

  /**
   * The unbilled usage of a page of accounts that happened before each account's period end
   * (the period's own usage and late usage of earlier periods): one query for the whole page.
   */
  async unbilledBefore(
    manager: EntityManager,
    bounds: readonly { accountId: string; periodEnd: string }[],
  ): Promise<UnbilledUsageRow[]> {
    if (bounds.length === 0) return [];
    // `u.account_id = ANY($1)` names the page's accounts to the index scan itself: joined only
    // through the unnest, the planner read every account's unbilled usage (or the whole table) and
    // hashed it, for every page: quadratic in the accounts, and growing with unbilled months.
    return manager.query(
      `SELECT u.usage_id, u.account_id, u.sku, u.resource_id, u.quantity::text AS quantity, u.occurred_at
       FROM unnest($1::uuid[], $2::timestamptz[]) AS b(account_id, period_end)
       JOIN usage_records u ON u.account_id = b.account_id AND u.occurred_at < b.period_end AND u.billed_invoice_id IS NULL
       WHERE u.account_id = ANY($1::uuid[])`,
      [bounds.map((b) => b.accountId), bounds.map((b) => b.periodEnd)],
    );
  },

  /**
   * Marks usage billed by its primary key (account, usage id), the page's accounts named to the
   * index scan (`= ANY`): found through a join with `invoices` (before) or only through the
   * unnest, the planner hashed a scan of every account's unbilled usage, or of every month's
   * usage, into each page (200-275 ms a page at 20,000 accounts, growing each month).
   */
  async markBilled(manager: EntityManager, billed: readonly { accountId: string; usageId: string; invoiceId: string }[]): Promise<void> {
    if (billed.length === 0) return;
    await manager.query(
      `UPDATE usage_records u SET billed_invoice_id = b.invoice_id
       FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS b(account_id, usage_id, invoice_id)
       WHERE u.account_id = ANY($1::uuid[]) AND u.account_id = b.account_id AND u.usage_id = b.usage_id AND u.billed_invoice_id IS NULL`,
      [billed.map((b) => b.accountId), billed.map((b) => b.usageId), billed.map((b) => b.invoiceId)],
    );
  },
};
