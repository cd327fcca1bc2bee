import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invoice snapshots (from InvoiceGenerated, immutable) with the amount collected so far,
 * charge attempts keyed (invoice, attempt) with the provider idempotency key, and the Stripe
 * webhook events already handled.
 */
export class PaymentsSchema1764300000200 implements MigrationInterface {
  name = 'PaymentsSchema1764300000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payment_invoices (
        invoice_id uuid PRIMARY KEY,
        account_id text NOT NULL,
        invoice_number text NOT NULL,
        currency char(3) NOT NULL,
        total_minor bigint NOT NULL CHECK (total_minor >= 0),
        collected_minor bigint NOT NULL DEFAULT 0 CHECK (collected_minor >= 0),
        customer jsonb NOT NULL,
        provider_customer_id text,
        payment_method_id text,
        issued_at timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        correlation_id text NOT NULL,
        source_event_id uuid NOT NULL,
        received_at timestamptz NOT NULL
      )`);

    // status: pending = the provider call may have happened (its outcome is not recorded yet);
    // a pending row is committed BEFORE the call, so a crash leaves it for the redelivered
    // event (same idempotency key) or the webhook to resolve.
    await q.query(`
      CREATE TABLE charge_attempts (
        invoice_id uuid NOT NULL REFERENCES payment_invoices (invoice_id),
        attempt integer NOT NULL CHECK (attempt >= 1),
        idempotency_key text NOT NULL UNIQUE,
        status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'skipped')),
        amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
        currency char(3) NOT NULL,
        provider_amount bigint,
        provider_currency text,
        provider_payment_intent_id text,
        provider_charge_id text,
        error_code text,
        decline_code text,
        error_message text,
        retryable boolean,
        skip_reason text CHECK (skip_reason IN ('nothing_to_collect', 'below_provider_minimum', 'no_payment_method')),
        resolved_by text CHECK (resolved_by IN ('consumer', 'webhook')),
        requested_by_event_id text NOT NULL,
        correlation_id text NOT NULL,
        requested_at timestamptz NOT NULL,
        resolved_at timestamptz,
        PRIMARY KEY (invoice_id, attempt),
        CHECK ((status = 'pending') = (resolved_at IS NULL)),
        CHECK ((status = 'skipped') = (skip_reason IS NOT NULL)),
        CHECK (status IN ('pending', 'skipped') OR provider_amount IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX charge_attempts_payment_intent ON charge_attempts (provider_payment_intent_id)
                   WHERE provider_payment_intent_id IS NOT NULL`);
    await q.query(`CREATE INDEX charge_attempts_pending ON charge_attempts (requested_at) WHERE status = 'pending'`);

    await q.query(`
      CREATE TABLE stripe_webhook_events (
        event_id text PRIMARY KEY,
        type text NOT NULL,
        payment_intent_id text,
        outcome text NOT NULL,
        received_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE stripe_webhook_events');
    await q.query('DROP TABLE charge_attempts');
    await q.query('DROP TABLE payment_invoices');
  }
}
