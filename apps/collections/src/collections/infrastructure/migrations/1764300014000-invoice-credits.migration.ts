import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Credit notes lower what an invoice owes (CreditNoteSettled, issue 19): `credited_minor` is the
 * sum of their parts applied to what was outstanding, `credit_note_ids` the settlements already
 * counted (a redelivery counts nothing). "Unpaid" now means collected + carried + credited < total.
 */
export class InvoiceCredits1764300014000 implements MigrationInterface {
  name = 'InvoiceCredits1764300014000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE invoice_collections
      ADD COLUMN credited_minor bigint NOT NULL DEFAULT 0 CHECK (credited_minor >= 0),
      ADD COLUMN credit_note_ids uuid[] NOT NULL DEFAULT '{}'`);
    await q.query('DROP INDEX invoice_collections_account_unpaid');
    await q.query(`
      CREATE INDEX invoice_collections_account_unpaid ON invoice_collections (account_id)
      WHERE collected_minor + carried_forward_minor + credited_minor < total_minor`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX invoice_collections_account_unpaid');
    await q.query(`
      CREATE INDEX invoice_collections_account_unpaid ON invoice_collections (account_id)
      WHERE collected_minor + carried_forward_minor < total_minor`);
    await q.query('ALTER TABLE invoice_collections DROP COLUMN credit_note_ids, DROP COLUMN credited_minor');
  }
}
