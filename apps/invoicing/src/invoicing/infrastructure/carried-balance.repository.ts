import { EntityManager } from 'typeorm';
import { toSafeInteger } from '@billing/messaging';
import { affectedRows } from '../../shared/sql';
import { CarriedBalance } from '../domain/carried-balance';

/** Below-minimum totals waiting for the account's next invoice (`carried_balances`). */
export const carriedBalanceRepository = {
  /** The accounts' balances not yet carried, with the period of the invoice each comes from. */
  async pendingOf(manager: EntityManager, accountIds: readonly string[]): Promise<Map<string, CarriedBalance[]>> {
    const byAccount = new Map<string, CarriedBalance[]>();
    if (accountIds.length === 0) return byAccount;
    const rows: { account_id: string; from_invoice_id: string; from_invoice_number: string; period: string; currency: string; amount_minor: string }[] =
      await manager.query(
        `SELECT c.account_id, c.from_invoice_id, c.from_invoice_number, i.period, c.currency, c.amount_minor
         FROM carried_balances c JOIN invoices i ON i.invoice_id = c.from_invoice_id
         WHERE c.account_id = ANY($1::uuid[]) AND c.carried_to_invoice_id IS NULL`,
        [accountIds],
      );
    for (const r of rows) {
      const list = byAccount.get(r.account_id) ?? [];
      list.push({
        fromInvoiceId: r.from_invoice_id,
        fromInvoiceNumber: r.from_invoice_number,
        fromPeriod: r.period,
        currency: r.currency,
        amountMinor: toSafeInteger(r.amount_minor, 'amount_minor'),
      });
      byAccount.set(r.account_id, list);
    }
    return byAccount;
  },

  /** New balances to carry, one per below-minimum invoice. */
  async insert(manager: EntityManager, balances: readonly (CarriedBalance & { accountId: string })[], at: string): Promise<void> {
    if (balances.length === 0) return;
    await manager.query(
      `INSERT INTO carried_balances (account_id, from_invoice_id, from_invoice_number, currency, amount_minor, created_at)
       SELECT a, f, n, c, m, $6 FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bigint[]) AS t(a, f, n, c, m)`,
      [
        balances.map((b) => b.accountId),
        balances.map((b) => b.fromInvoiceId),
        balances.map((b) => b.fromInvoiceNumber),
        balances.map((b) => b.currency),
        balances.map((b) => b.amountMinor),
        at,
      ],
    );
  },

  /**
   * Marks balances carried by the invoice that now holds them. Only a balance not carried yet is
   * marked: one that another invoice already took would make this count fall short, and the
   * caller rolls the page back rather than bill it twice.
   */
  async markCarried(manager: EntityManager, carried: readonly { fromInvoiceId: string; toInvoiceId: string }[]): Promise<number> {
    if (carried.length === 0) return 0;
    const result: unknown = await manager.query(
      `UPDATE carried_balances c SET carried_to_invoice_id = t.to_id
       FROM unnest($1::uuid[], $2::uuid[]) AS t(from_id, to_id)
       WHERE c.from_invoice_id = t.from_id AND c.carried_to_invoice_id IS NULL`,
      [carried.map((c) => c.fromInvoiceId), carried.map((c) => c.toInvoiceId)],
    );
    return affectedRows(result);
  },
};
