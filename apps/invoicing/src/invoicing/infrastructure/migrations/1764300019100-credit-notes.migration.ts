import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 19: an issued invoice is corrected by a credit note, an immutable document of its own.
 * - `credit_note_sequences`: one gap-free sequence per month of issue (UTC), like invoice numbers;
 * - `credit_notes`: the document (its CreditNoteIssued payload in `snapshot`), one per
 *   `Idempotency-Key` (with the request's fingerprint, to refuse the key reused for another request);
 * - `credit_note_lines`: what each note credited per invoice line (the per-line limit of later notes);
 * - `invoices.credited_minor` / `voided_at`: what credit notes credited in total, and when a void
 *   voided it (the invoice's snapshot never changes);
 * - `credit_note_settlements`: CreditNoteSettled as applied here (account credit added once per note).
 */
export class CreditNotes1764300019100 implements MigrationInterface {
  name = 'CreditNotes1764300019100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE credit_note_sequences (
        month char(7) PRIMARY KEY,
        last_value bigint NOT NULL
      )`);
    await q.query(`
      CREATE TABLE credit_notes (
        credit_note_id uuid PRIMARY KEY,
        credit_note_number text NOT NULL UNIQUE,
        invoice_id uuid NOT NULL REFERENCES invoices (invoice_id),
        account_id uuid NOT NULL REFERENCES accounts (account_id),
        kind text NOT NULL CHECK (kind IN ('credit', 'void')),
        currency char(3) NOT NULL,
        total_minor bigint NOT NULL CHECK (total_minor > 0),
        paid_part_to text NOT NULL CHECK (paid_part_to IN ('refund', 'account_credit')),
        issued_at timestamptz NOT NULL,
        idempotency_key text NOT NULL UNIQUE,
        request_fingerprint text NOT NULL,
        snapshot jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX credit_notes_by_invoice ON credit_notes (invoice_id, issued_at)`);
    await q.query(`
      CREATE TABLE credit_note_lines (
        credit_note_id uuid NOT NULL REFERENCES credit_notes (credit_note_id),
        invoice_id uuid NOT NULL,
        line_id text NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        PRIMARY KEY (credit_note_id, line_id),
        FOREIGN KEY (invoice_id, line_id) REFERENCES invoice_lines (invoice_id, line_id)
      )`);
    await q.query(`CREATE INDEX credit_note_lines_by_invoice ON credit_note_lines (invoice_id)`);
    await q.query(`
      ALTER TABLE invoices
        ADD COLUMN credited_minor bigint NOT NULL DEFAULT 0 CHECK (credited_minor >= 0 AND credited_minor <= total_minor),
        ADD COLUMN voided_at timestamptz`);
    await q.query(`
      CREATE TABLE credit_note_settlements (
        credit_note_id uuid PRIMARY KEY,
        account_id uuid NOT NULL,
        currency char(3) NOT NULL,
        account_credit_minor bigint NOT NULL CHECK (account_credit_minor >= 0),
        settled_at timestamptz NOT NULL,
        event_id uuid NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE credit_note_settlements');
    await q.query('ALTER TABLE invoices DROP COLUMN voided_at, DROP COLUMN credited_minor');
    await q.query('DROP TABLE credit_note_lines');
    await q.query('DROP TABLE credit_notes');
    await q.query('DROP TABLE credit_note_sequences');
  }
}
