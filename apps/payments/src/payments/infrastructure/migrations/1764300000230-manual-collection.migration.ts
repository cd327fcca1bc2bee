import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invoicing marks an invoice it knows the provider cannot charge (e.g. above Stripe's maximum)
 * for manual collection (InvoiceGenerated.collection). The snapshot keeps it, NULL for invoices
 * issued before the field existed (decided as before), and such an invoice's attempt is
 * skipped with reason `manual_collection`.
 */
export class ManualCollection1764300000230 implements MigrationInterface {
  name = 'ManualCollection1764300000230';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payment_invoices ADD COLUMN collection text`);
    await q.query(`ALTER TABLE charge_attempts DROP CONSTRAINT charge_attempts_skip_reason_check`);
    await q.query(
      `ALTER TABLE charge_attempts ADD CONSTRAINT charge_attempts_skip_reason_check
         CHECK (skip_reason IN ('nothing_to_collect', 'below_provider_minimum', 'no_payment_method', 'manual_collection'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE charge_attempts DROP CONSTRAINT charge_attempts_skip_reason_check`);
    await q.query(
      `ALTER TABLE charge_attempts ADD CONSTRAINT charge_attempts_skip_reason_check
         CHECK (skip_reason IN ('nothing_to_collect', 'below_provider_minimum', 'no_payment_method'))`,
    );
    await q.query(`ALTER TABLE payment_invoices DROP COLUMN collection`);
  }
}
