import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The payment method is the account's at the time of each attempt, not the invoice's:
 * - `payment_accounts`: each account's current method, from AccountPaymentMethodChanged (the
 *   newest `changed_at` wins; `source_event_id` is the event that set it);
 * - `charge_attempts.payment_method_id` / `provider_customer_id`: what the attempt charged, so
 *   that a repeat of a pending attempt sends exactly the first call's parameters (NULL on rows
 *   from before this migration: the invoice snapshot's were used);
 * - `offline_payments`: bank transfers and cheques recorded by finance against an invoice, one
 *   per `Idempotency-Key` (with the request's fingerprint, to refuse the key reused for another
 *   request).
 */
export class PaymentAccountsOfflinePayments1764300000240 implements MigrationInterface {
  name = 'PaymentAccountsOfflinePayments1764300000240';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payment_accounts (
        account_id text PRIMARY KEY,
        provider_customer_id text,
        payment_method_id text,
        changed_at timestamptz NOT NULL,
        source_event_id uuid NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`ALTER TABLE charge_attempts ADD COLUMN payment_method_id text, ADD COLUMN provider_customer_id text`);
    await q.query(`
      CREATE TABLE offline_payments (
        payment_id uuid PRIMARY KEY,
        invoice_id uuid NOT NULL REFERENCES payment_invoices (invoice_id),
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        currency char(3) NOT NULL,
        method text NOT NULL CHECK (method IN ('bank_transfer', 'cheque', 'other')),
        reference text NOT NULL,
        received_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        recorded_by text NOT NULL,
        outstanding_after_minor bigint NOT NULL CHECK (outstanding_after_minor >= 0),
        idempotency_key text NOT NULL UNIQUE,
        request_fingerprint text NOT NULL
      )`);
    await q.query(`CREATE INDEX offline_payments_invoice ON offline_payments (invoice_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE offline_payments');
    await q.query('ALTER TABLE charge_attempts DROP COLUMN provider_customer_id, DROP COLUMN payment_method_id');
    await q.query('DROP TABLE payment_accounts');
  }
}
