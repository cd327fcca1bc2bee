import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Credit notes (CreditNoteIssued) settled against the invoices' money, once each:
 * - `payment_invoices.credited_minor`: the credit-note parts applied to what was outstanding, so
 *   every later attempt charges total − collected − credited;
 * - `credit_note_settlements`: one row per credit note (PK), the split CreditNoteSettled reports;
 * - `refunds`: one per credit note with a refund to the card, committed `pending` with its
 *   provider idempotency key and exact provider amount BEFORE the provider call (as
 *   charge_attempts), resolved succeeded / failed after it.
 */
export class CreditNotesRefunds1764300000260 implements MigrationInterface {
  name = 'CreditNotesRefunds1764300000260';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payment_invoices ADD COLUMN credited_minor bigint NOT NULL DEFAULT 0 CHECK (credited_minor >= 0)`);
    await q.query(`
      CREATE TABLE credit_note_settlements (
        credit_note_id uuid PRIMARY KEY,
        credit_note_number text NOT NULL,
        invoice_id uuid NOT NULL REFERENCES payment_invoices (invoice_id),
        currency char(3) NOT NULL,
        total_minor bigint NOT NULL CHECK (total_minor > 0),
        applied_to_outstanding_minor bigint NOT NULL CHECK (applied_to_outstanding_minor >= 0),
        refund_minor bigint NOT NULL CHECK (refund_minor >= 0),
        account_credit_minor bigint NOT NULL CHECK (account_credit_minor >= 0),
        outstanding_after_minor bigint NOT NULL CHECK (outstanding_after_minor >= 0),
        paid_part_to text NOT NULL CHECK (paid_part_to IN ('refund', 'account_credit')),
        source_event_id uuid NOT NULL,
        correlation_id text NOT NULL,
        settled_at timestamptz NOT NULL,
        CHECK (applied_to_outstanding_minor + refund_minor + account_credit_minor = total_minor)
      )`);
    await q.query(`CREATE INDEX credit_note_settlements_invoice ON credit_note_settlements (invoice_id)`);
    await q.query(`
      CREATE TABLE refunds (
        credit_note_id uuid PRIMARY KEY REFERENCES credit_note_settlements (credit_note_id),
        invoice_id uuid NOT NULL REFERENCES payment_invoices (invoice_id),
        idempotency_key text NOT NULL UNIQUE,
        status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        currency char(3) NOT NULL,
        provider_amount bigint NOT NULL CHECK (provider_amount > 0),
        provider_currency text NOT NULL,
        provider_payment_intent_id text NOT NULL,
        provider_refund_id text,
        error_code text,
        error_message text,
        requested_at timestamptz NOT NULL,
        resolved_at timestamptz,
        CHECK ((status = 'pending') = (resolved_at IS NULL))
      )`);
    await q.query(`CREATE INDEX refunds_invoice ON refunds (invoice_id)`);
    await q.query(`CREATE INDEX refunds_pending ON refunds (requested_at) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE refunds');
    await q.query('DROP TABLE credit_note_settlements');
    await q.query('ALTER TABLE payment_invoices DROP COLUMN credited_minor');
  }
}
