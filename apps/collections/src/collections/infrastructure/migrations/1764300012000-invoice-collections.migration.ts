import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What collections needs to get a paying customer out of dunning (issue 12):
 * - `invoice_collections`: one row per invoice collections heard of (InvoiceGenerated, any charge
 *   outcome, skip or offline payment): total, carried forward, collected, the collection decision,
 *   and the last attempt requested / resolved (an attempt is in flight while requested > resolved).
 *   Backfilled from the existing dunning cases.
 * - `account_payment_methods`: each account's current payment method (AccountPaymentMethodChanged).
 * - `pay_now_requests`: the answer given to each pay-now `Idempotency-Key`, replayed on a repeat.
 */
export class InvoiceCollections1764300012000 implements MigrationInterface {
  name = 'InvoiceCollections1764300012000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE invoice_collections (
        invoice_id uuid PRIMARY KEY,
        account_id text NOT NULL,
        invoice_number text NOT NULL,
        currency char(3) NOT NULL,
        total_minor bigint NOT NULL CHECK (total_minor >= 0),
        carried_forward_minor bigint NOT NULL DEFAULT 0 CHECK (carried_forward_minor >= 0),
        collected_minor bigint NOT NULL DEFAULT 0 CHECK (collected_minor >= 0),
        collection text,
        last_requested_attempt integer NOT NULL DEFAULT 0,
        last_resolved_attempt integer NOT NULL DEFAULT 0,
        last_requested_method_id text,
        skip_reason text,
        succeeded_attempt integer,
        offline_payment_ids uuid[] NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE INDEX invoice_collections_account_unpaid ON invoice_collections (account_id)
      WHERE collected_minor + carried_forward_minor < total_minor`);
    await q.query(`
      INSERT INTO invoice_collections (invoice_id, account_id, invoice_number, currency, total_minor, collected_minor,
        last_requested_attempt, last_resolved_attempt, succeeded_attempt)
      SELECT invoice_id, account_id, invoice_number, currency, amount_minor,
        CASE WHEN status = 'paid' THEN amount_minor ELSE 0 END,
        GREATEST(attempts_made, CASE WHEN retry_requested_at IS NOT NULL THEN next_attempt ELSE 0 END),
        attempts_made,
        CASE WHEN status = 'paid' THEN attempts_made END
      FROM dunning_cases`);

    await q.query(`
      CREATE TABLE account_payment_methods (
        account_id text PRIMARY KEY,
        payment_method_id text,
        changed_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE pay_now_requests (
        idempotency_key text PRIMARY KEY,
        invoice_id uuid NOT NULL,
        attempt integer NOT NULL,
        request_id uuid NOT NULL,
        requested_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE pay_now_requests');
    await q.query('DROP TABLE account_payment_methods');
    await q.query('DROP TABLE invoice_collections');
  }
}
