import { MigrationInterface, QueryRunner } from 'typeorm';

/** The balance view as FinanceProjection1764300000500 created it (restored by `down`). */
const CARD_ONLY_BALANCES = `
  CREATE VIEW invoice_balances AS
  SELECT i.invoice_id, i.invoice_number, i.account_id, i.run_id, i.period, i.currency,
         i.subtotal_minor, i.credit_applied_minor, i.total_minor, i.issued_at, i.due_at,
         COALESCE(c.collected_minor, 0)::bigint AS collected_minor,
         GREATEST(i.total_minor - COALESCE(c.collected_minor, 0), 0)::bigint AS outstanding_minor,
         COALESCE(c.failed_attempts, 0)::int AS failed_attempts,
         COALESCE(c.outcomes, 0)::int AS outcomes
  FROM invoices i
  LEFT JOIN (
    SELECT a.invoice_id,
           SUM(a.amount_minor) FILTER (WHERE a.outcome = 'succeeded' AND a.currency = inv.currency) AS collected_minor,
           COUNT(*) FILTER (WHERE a.outcome = 'failed') AS failed_attempts,
           COUNT(*) AS outcomes
    FROM charge_attempts a JOIN invoices inv USING (invoice_id)
    GROUP BY a.invoice_id
  ) c USING (invoice_id)`;

/** The balance view this migration creates (restored by CorrectionsProjection's `down`). */
export const CARD_AND_OFFLINE_BALANCES = `
  CREATE VIEW invoice_balances AS
  SELECT i.invoice_id, i.invoice_number, i.account_id, i.run_id, i.period, i.currency,
         i.subtotal_minor, i.credit_applied_minor, i.total_minor, i.issued_at, i.due_at,
         (COALESCE(c.card_minor, 0) + COALESCE(o.offline_minor, 0))::bigint AS collected_minor,
         GREATEST(i.total_minor - i.carried_forward_minor - COALESCE(c.card_minor, 0) - COALESCE(o.offline_minor, 0), 0)::bigint
           AS outstanding_minor,
         COALESCE(c.failed_attempts, 0)::int AS failed_attempts,
         (COALESCE(c.outcomes, 0) + COALESCE(o.payments, 0))::int AS outcomes,
         COALESCE(c.card_minor, 0)::bigint AS collected_card_minor,
         COALESCE(o.offline_minor, 0)::bigint AS collected_offline_minor,
         i.carried_forward_minor
  FROM invoices i
  LEFT JOIN (
    SELECT a.invoice_id,
           SUM(a.amount_minor) FILTER (WHERE a.outcome = 'succeeded' AND a.currency = inv.currency) AS card_minor,
           COUNT(*) FILTER (WHERE a.outcome = 'failed') AS failed_attempts,
           COUNT(*) AS outcomes
    FROM charge_attempts a JOIN invoices inv USING (invoice_id)
    GROUP BY a.invoice_id
  ) c USING (invoice_id)
  LEFT JOIN (
    SELECT p.invoice_id,
           SUM(p.amount_minor) FILTER (WHERE p.currency = inv.currency) AS offline_minor,
           COUNT(*) AS payments
    FROM offline_payments p JOIN invoices inv USING (invoice_id)
    GROUP BY p.invoice_id
  ) o USING (invoice_id)`;

/**
 * Issue 12: collected by method and carried forward.
 * - `offline_payments`: payments received outside the provider (PaymentRecorded), keyed by payment id.
 * - `invoices.collection`, `invoices.carried_forward_minor`: how the invoice was to be collected and
 *   the part of its total carried to the account's next invoice (below the provider minimum).
 * - `invoice_lines.kind` (`usage` | `carried_balance`) and the invoice a carried line comes from.
 * - `charge_attempts.payment_method_id`: the method an attempt charged (absent on older events).
 * - `invoice_balances`: collected = card (succeeded charges) + offline (recorded payments), each in
 *   the invoice's currency; outstanding = max(total - carried forward - collected, 0); an offline
 *   payment counts as an outcome of the invoice.
 */
export class CollectedByMethod1764300012500 implements MigrationInterface {
  name = 'CollectedByMethod1764300012500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE offline_payments (
        payment_id uuid PRIMARY KEY,
        invoice_id uuid NOT NULL,
        invoice_number text NOT NULL,
        account_id text NOT NULL,
        method text NOT NULL,
        amount_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        reference text NOT NULL,
        received_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        recorded_by text NOT NULL,
        outstanding_after_minor bigint NOT NULL,
        event_id uuid NOT NULL
      )`);
    await q.query(`CREATE INDEX offline_payments_invoice ON offline_payments (invoice_id)`);
    await q.query(`ALTER TABLE invoices ADD COLUMN collection text, ADD COLUMN carried_forward_minor bigint NOT NULL DEFAULT 0`);
    await q.query(`
      ALTER TABLE invoice_lines
        ADD COLUMN kind text NOT NULL DEFAULT 'usage',
        ADD COLUMN carried_from_invoice_id uuid,
        ADD COLUMN carried_from_invoice_number text`);
    await q.query(`ALTER TABLE charge_attempts ADD COLUMN payment_method_id text`);

    await q.query('DROP VIEW invoice_balances');
    await q.query(CARD_AND_OFFLINE_BALANCES);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP VIEW invoice_balances');
    await q.query(CARD_ONLY_BALANCES);
    await q.query(`ALTER TABLE charge_attempts DROP COLUMN payment_method_id`);
    await q.query(`ALTER TABLE invoice_lines DROP COLUMN kind, DROP COLUMN carried_from_invoice_id, DROP COLUMN carried_from_invoice_number`);
    await q.query(`ALTER TABLE invoices DROP COLUMN collection, DROP COLUMN carried_forward_minor`);
    await q.query('DROP TABLE offline_payments');
  }
}
