import { MigrationInterface, QueryRunner } from 'typeorm';
import { CARD_AND_OFFLINE_BALANCES } from './1764300012500-collected-by-method.migration';

/**
 * Issue 19: corrections.
 * - `credit_notes` (CreditNoteIssued, voids included), `credit_note_settlements` (CreditNoteSettled)
 *   and `refunds` (RefundSucceeded / RefundFailed, keyed by (credit note, outcome)).
 * - `invoice_collections`: the balance view as CollectedByMethod created it (before credits).
 * - `credit_note_balances`: per credit note, how much it credited and where that went: applied to
 *   what was outstanding, refunded (succeeded), refund pending (settled to refund, no outcome yet),
 *   refund failed (still owed to the customer; a later success supersedes it), account credit
 *   granted, or unsettled (issued, payments has not settled it yet).
 * - `invoice_balances`: the same columns as before plus the credits, with
 *     owed        = total - carried forward - collected - credit applied to outstanding
 *     outstanding = max(owed - unsettled credit, 0)     (an issued note lowers what is owed at once)
 *     awaiting    = unsettled credit - min(unsettled credit, max(owed, 0))
 *                   (the part of an unsettled note that exceeds what was owed: collected money the
 *                    customer gets back once payments settles it)
 *   so that, per invoice that is not over-collected,
 *     total - carried forward - credited
 *       = collected - refunded - refund pending - refund failed - account credit granted - awaiting + outstanding.
 */
export class CorrectionsProjection1764300019500 implements MigrationInterface {
  name = 'CorrectionsProjection1764300019500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE credit_notes (
        credit_note_id uuid PRIMARY KEY,
        credit_note_number text NOT NULL,
        invoice_id uuid NOT NULL,
        invoice_number text NOT NULL,
        account_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('credit', 'void')),
        reason text NOT NULL,
        currency char(3) NOT NULL,
        total_minor bigint NOT NULL,
        invoice_total_minor bigint NOT NULL,
        credited_before_minor bigint NOT NULL,
        paid_part_to text NOT NULL,
        lines jsonb NOT NULL,
        issued_at timestamptz NOT NULL,
        issued_by text NOT NULL,
        event_id uuid NOT NULL
      )`);
    await q.query(`CREATE INDEX credit_notes_invoice ON credit_notes (invoice_id)`);
    await q.query(`
      CREATE TABLE credit_note_settlements (
        credit_note_id uuid PRIMARY KEY,
        credit_note_number text NOT NULL,
        invoice_id uuid NOT NULL,
        invoice_number text NOT NULL,
        account_id text NOT NULL,
        currency char(3) NOT NULL,
        total_minor bigint NOT NULL,
        applied_to_outstanding_minor bigint NOT NULL,
        refund_minor bigint NOT NULL,
        account_credit_minor bigint NOT NULL,
        outstanding_after_minor bigint NOT NULL,
        settled_at timestamptz NOT NULL,
        event_id uuid NOT NULL
      )`);
    await q.query(`CREATE INDEX credit_note_settlements_invoice ON credit_note_settlements (invoice_id)`);
    await q.query(`
      CREATE TABLE refunds (
        credit_note_id uuid NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
        credit_note_number text NOT NULL,
        invoice_id uuid NOT NULL,
        invoice_number text NOT NULL,
        account_id text NOT NULL,
        amount_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        provider_refund_id text,
        provider_payment_intent_id text,
        error_code text,
        message text,
        occurred_at timestamptz NOT NULL,
        event_id uuid NOT NULL,
        PRIMARY KEY (credit_note_id, outcome)
      )`);

    await q.query('DROP VIEW invoice_balances');
    await q.query(CARD_AND_OFFLINE_BALANCES.replace('CREATE VIEW invoice_balances', 'CREATE VIEW invoice_collections'));
    // A settlement can be read before its note (another topic): it then stands for the note.
    await q.query(`
      CREATE VIEW credit_note_balances AS
      SELECT x.credit_note_id, x.invoice_id, x.currency, x.credited_minor, x.unsettled_minor, x.applied_to_outstanding_minor,
             x.account_credit_minor, x.refunded_minor, x.refund_failed_minor,
             GREATEST(x.refund_minor - x.refunded_minor - x.refund_failed_minor, 0)::bigint AS refund_pending_minor
      FROM (
        SELECT COALESCE(n.credit_note_id, s.credit_note_id) AS credit_note_id,
               COALESCE(n.invoice_id, s.invoice_id) AS invoice_id,
               COALESCE(n.currency, s.currency) AS currency,
               COALESCE(n.total_minor, s.total_minor) AS credited_minor,
               CASE WHEN s.credit_note_id IS NULL THEN n.total_minor ELSE 0 END AS unsettled_minor,
               COALESCE(s.applied_to_outstanding_minor, 0) AS applied_to_outstanding_minor,
               COALESCE(s.refund_minor, 0) AS refund_minor,
               COALESCE(s.account_credit_minor, 0) AS account_credit_minor,
               COALESCE(ok.amount_minor, 0) AS refunded_minor,
               CASE WHEN ok.credit_note_id IS NULL THEN COALESCE(ko.amount_minor, 0) ELSE 0 END AS refund_failed_minor
        FROM credit_notes n
        FULL JOIN credit_note_settlements s ON s.credit_note_id = n.credit_note_id
        LEFT JOIN refunds ok ON ok.credit_note_id = COALESCE(n.credit_note_id, s.credit_note_id) AND ok.outcome = 'succeeded'
        LEFT JOIN refunds ko ON ko.credit_note_id = COALESCE(n.credit_note_id, s.credit_note_id) AND ko.outcome = 'failed'
      ) x`);
    await q.query(`
      CREATE VIEW invoice_balances AS
      SELECT b.invoice_id, b.invoice_number, b.account_id, b.run_id, b.period, b.currency,
             b.subtotal_minor, b.credit_applied_minor, b.total_minor, b.issued_at, b.due_at,
             b.collected_minor,
             GREATEST(b.owed_minor - b.unsettled_minor, 0)::bigint AS outstanding_minor,
             b.failed_attempts, b.outcomes, b.collected_card_minor, b.collected_offline_minor, b.carried_forward_minor,
             b.credit_notes, b.credited_minor, b.credit_to_outstanding_minor, b.refunded_minor, b.refund_pending_minor,
             b.refund_failed_minor, b.account_credit_granted_minor,
             (b.unsettled_minor - LEAST(b.unsettled_minor, GREATEST(b.owed_minor, 0)))::bigint AS credit_awaiting_settlement_minor
      FROM (
        SELECT v.*,
               COALESCE(k.credit_notes, 0)::int AS credit_notes,
               COALESCE(k.credited, 0)::bigint AS credited_minor,
               COALESCE(k.applied, 0)::bigint AS credit_to_outstanding_minor,
               COALESCE(k.refunded, 0)::bigint AS refunded_minor,
               COALESCE(k.refund_pending, 0)::bigint AS refund_pending_minor,
               COALESCE(k.refund_failed, 0)::bigint AS refund_failed_minor,
               COALESCE(k.account_credit, 0)::bigint AS account_credit_granted_minor,
               COALESCE(k.unsettled, 0)::bigint AS unsettled_minor,
               v.total_minor - v.carried_forward_minor - v.collected_minor - COALESCE(k.applied, 0) AS owed_minor
        FROM invoice_collections v
        LEFT JOIN (
          SELECT cn.invoice_id, count(*) AS credit_notes, sum(cn.credited_minor) AS credited,
                 sum(cn.applied_to_outstanding_minor) AS applied, sum(cn.refunded_minor) AS refunded,
                 sum(cn.refund_pending_minor) AS refund_pending, sum(cn.refund_failed_minor) AS refund_failed,
                 sum(cn.account_credit_minor) AS account_credit, sum(cn.unsettled_minor) AS unsettled
          FROM credit_note_balances cn JOIN invoices inv USING (invoice_id)
          WHERE cn.currency = inv.currency
          GROUP BY cn.invoice_id
        ) k USING (invoice_id)
      ) b`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP VIEW invoice_balances');
    await q.query('DROP VIEW credit_note_balances');
    await q.query('DROP VIEW invoice_collections');
    await q.query(CARD_AND_OFFLINE_BALANCES);
    await q.query('DROP TABLE refunds');
    await q.query('DROP TABLE credit_note_settlements');
    await q.query('DROP TABLE credit_notes');
  }
}
