import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `dunning_cases_account_unpaid`: the unpaid cases of an account. `lockCasesForAccounts` runs on
 * every consumer batch and scheduler pass; through `dunning_cases_account` it read every case the
 * accounts ever had (paid ones of all past months included) or, once those were many, scanned
 * the whole table. With this index its account half reads only the unpaid cases, and its invoice
 * half keeps the UNIQUE index on `invoice_id`: the planner ORs the two (BitmapOr), so the cost
 * follows the batch, not the months behind it.
 */
export class DunningCasesUnpaidIndex1764300021000 implements MigrationInterface {
  name = 'DunningCasesUnpaidIndex1764300021000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX dunning_cases_account_unpaid ON dunning_cases (account_id) WHERE status <> 'paid'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX dunning_cases_account_unpaid');
  }
}
