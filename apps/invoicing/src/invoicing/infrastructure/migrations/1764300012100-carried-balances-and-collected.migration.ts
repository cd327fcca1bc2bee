import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 12: a total below the provider's minimum charge is carried to the account's next invoice
 * (`carried_balances`: one row per below-minimum invoice, marked with the invoice that carried
 * it); invoice lines say whether they bill usage or a carried balance; and invoicing keeps what
 * was collected per invoice (from billing.payments), so it knows which invoices are unpaid.
 */
export class CarriedBalancesAndCollected1764300012100 implements MigrationInterface {
  name = 'CarriedBalancesAndCollected1764300012100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE carried_balances (
        account_id uuid NOT NULL REFERENCES accounts (account_id),
        from_invoice_id uuid PRIMARY KEY REFERENCES invoices (invoice_id),
        from_invoice_number text NOT NULL,
        currency char(3) NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        carried_to_invoice_id uuid REFERENCES invoices (invoice_id),
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX carried_balances_pending ON carried_balances (account_id) WHERE carried_to_invoice_id IS NULL`);
    await q.query(`ALTER TABLE invoice_lines ADD COLUMN kind text NOT NULL DEFAULT 'usage' CHECK (kind IN ('usage', 'carried_balance'))`);
    await q.query(`ALTER TABLE invoices ADD COLUMN collected_minor bigint NOT NULL DEFAULT 0 CHECK (collected_minor >= 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE invoices DROP COLUMN collected_minor`);
    await q.query(`ALTER TABLE invoice_lines DROP COLUMN kind`);
    await q.query(`DROP TABLE carried_balances`);
  }
}
