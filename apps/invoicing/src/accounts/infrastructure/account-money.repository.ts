import { EntityManager } from 'typeorm';
import { AccountMoneyState } from '../domain/currency-change';

/** What an account owes or waits for, read from its invoices and carried balances (for a currency change). */
export const accountMoneyRepository = {
  async stateOf(manager: EntityManager, accountId: string): Promise<AccountMoneyState> {
    const [row]: { unpaid: number; carried: number }[] = await manager.query(
      `SELECT
         (SELECT count(*)::int FROM invoices
          WHERE account_id = $1 AND total_minor > collected_minor + credited_minor
            AND coalesce(snapshot->>'collection', '') NOT IN ('nothing_due', 'below_provider_minimum')) AS unpaid,
         (SELECT count(*)::int FROM carried_balances WHERE account_id = $1 AND carried_to_invoice_id IS NULL) AS carried`,
      [accountId],
    );
    return { unpaidInvoices: row.unpaid, pendingCarriedBalances: row.carried };
  },
};
