import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sent-email log: one row per (template, subject) — the email key — so at most one email is
 * sent per invoice/hold and template. `smtp_acceptances` is a journal written outside the consumer's
 * transaction the moment the SMTP server accepts a message (see send-emails.ts).
 */
export class SentEmails1764300000300 implements MigrationInterface {
  name = 'SentEmails1764300000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sent_emails (
        email_key text PRIMARY KEY,
        template text NOT NULL,
        subject_id text NOT NULL,
        invoice_id uuid,
        account_id text NOT NULL,
        causation_event_id uuid NOT NULL,
        correlation_id text NOT NULL,
        recipient text NOT NULL,
        subject text NOT NULL,
        message_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
        smtp_code integer,
        smtp_response text,
        failure_reason text,
        created_at timestamptz NOT NULL,
        sent_at timestamptz,
        failed_at timestamptz
      )`);
    await q.query(`CREATE INDEX sent_emails_subject ON sent_emails (subject_id)`);
    await q.query(`CREATE INDEX sent_emails_invoice ON sent_emails (invoice_id) WHERE invoice_id IS NOT NULL`);
    await q.query(`CREATE INDEX sent_emails_account ON sent_emails (account_id, created_at)`);
    await q.query(`
      CREATE TABLE smtp_acceptances (
        email_key text PRIMARY KEY,
        message_id text NOT NULL,
        smtp_response text,
        accepted_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE smtp_acceptances');
    await q.query('DROP TABLE sent_emails');
  }
}
