import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `payment_invoices.first_outcome_at`: when the invoice's attempt 1 got its outcome (succeeded,
 * failed or skipped; NULL while it has no row or is pending), written by the statement that
 * records that outcome. The charge backlog's "invoices awaiting their first outcome" is then a
 * count over the partial index `payment_invoices_awaiting_first_outcome`, as small as the
 * invoices actually waiting, instead of an anti-join of every month's invoices against
 * `charge_attempts`. Backfilled from attempt 1's `resolved_at`.
 */
export class FirstOutcomeAt1764300021200 implements MigrationInterface {
  name = 'FirstOutcomeAt1764300021200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payment_invoices ADD COLUMN first_outcome_at timestamptz`);
    await q.query(`
      UPDATE payment_invoices i SET first_outcome_at = a.resolved_at
      FROM charge_attempts a
      WHERE a.invoice_id = i.invoice_id AND a.attempt = 1 AND a.status <> 'pending'`);
    await q.query(`
      CREATE INDEX payment_invoices_awaiting_first_outcome ON payment_invoices (invoice_id)
      WHERE first_outcome_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX payment_invoices_awaiting_first_outcome');
    await q.query('ALTER TABLE payment_invoices DROP COLUMN first_outcome_at');
  }
}
