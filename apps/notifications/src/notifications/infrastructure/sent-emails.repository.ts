import type { DataSource, EntityManager } from 'typeorm';
import { toUtcIso, toUtcIsoOrNull } from '@billing/messaging';
import type { EmailTemplateName } from '../domain/email-view';

/** One email about to be sent: the row that claims its key. */
export interface EmailClaim {
  emailKey: string;
  template: EmailTemplateName;
  subjectId: string;
  invoiceId: string | null;
  accountId: string;
  causationEventId: string;
  correlationId: string;
  recipient: string;
  subject: string;
  messageId: string;
}

export type EmailResult =
  | { emailKey: string; status: 'sent'; at: string; smtpResponse: string }
  | { emailKey: string; status: 'failed'; at: string; smtpCode: number | null; reason: string };

/** A row of `sent_emails`: the claim (its template as stored) and what became of the email. */
export interface SentEmailRecord extends Omit<EmailClaim, 'template'> {
  template: string;
  status: 'pending' | 'sent' | 'failed';
  smtpCode: number | null;
  failureReason: string | null;
  createdAt: string;
  sentAt: string | null;
  failedAt: string | null;
}

export interface SentEmailQuery {
  subjectId?: string;
  invoiceId?: string;
  accountId?: string;
  limit: number;
}

export interface SmtpAcceptance {
  emailKey: string;
  messageId: string;
  smtpResponse: string;
  at: string;
}

/** SQL over `sent_emails` and `smtp_acceptances`, one statement per batch. */
export class SentEmailsRepository {
  /**
   * Inserts a `pending` row per key in the caller's transaction and returns the keys it inserted:
   * the emails to send. A key that already exists (sent or failed by an earlier transaction) is
   * left alone. A concurrent transaction inserting the same key makes this one wait for it and
   * then skip the key, so two consumers can never both send it.
   */
  async claim(manager: EntityManager, claims: readonly EmailClaim[], now: string): Promise<Set<string>> {
    if (claims.length === 0) return new Set();
    const rows: { email_key: string }[] = await manager.query(
      `INSERT INTO sent_emails (email_key, template, subject_id, invoice_id, account_id, causation_event_id,
                                correlation_id, recipient, subject, message_id, status, created_at)
       SELECT k, t, s, i, a, e, c, r, subj, m, 'pending', $11::timestamptz
       FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[])
            AS x(k, t, s, i, a, e, c, r, subj, m)
       ON CONFLICT (email_key) DO NOTHING
       RETURNING email_key`,
      [
        claims.map((c) => c.emailKey),
        claims.map((c) => c.template),
        claims.map((c) => c.subjectId),
        claims.map((c) => c.invoiceId),
        claims.map((c) => c.accountId),
        claims.map((c) => c.causationEventId),
        claims.map((c) => c.correlationId),
        claims.map((c) => c.recipient),
        claims.map((c) => c.subject),
        claims.map((c) => c.messageId),
        now,
      ],
    );
    return new Set(rows.map((r) => r.email_key));
  }

  /** Marks the outcome of each sent (or refused) email, in the caller's transaction. */
  async record(manager: EntityManager, results: readonly EmailResult[]): Promise<void> {
    if (results.length === 0) return;
    await manager.query(
      `UPDATE sent_emails s
       SET status = u.status,
           sent_at = CASE WHEN u.status = 'sent' THEN u.at END,
           failed_at = CASE WHEN u.status = 'failed' THEN u.at END,
           smtp_code = u.smtp_code,
           smtp_response = u.smtp_response,
           failure_reason = u.reason
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[], $5::text[], $6::text[])
            AS u(email_key, status, at, smtp_code, smtp_response, reason)
       WHERE s.email_key = u.email_key`,
      [
        results.map((r) => r.emailKey),
        results.map((r) => r.status),
        results.map((r) => r.at),
        results.map((r) => (r.status === 'failed' ? r.smtpCode : 250)),
        results.map((r) => (r.status === 'sent' ? r.smtpResponse : null)),
        results.map((r) => (r.status === 'failed' ? r.reason : null)),
      ],
    );
  }

  /** Emails the SMTP server already accepted in an attempt whose transaction did not commit. */
  async acceptedBefore(manager: EntityManager, emailKeys: readonly string[]): Promise<Map<string, { at: string; smtpResponse: string }>> {
    if (emailKeys.length === 0) return new Map();
    const rows: { email_key: string; accepted_at: Date; smtp_response: string | null }[] = await manager.query(
      `SELECT email_key, accepted_at, smtp_response FROM smtp_acceptances WHERE email_key = ANY($1::text[])`,
      [emailKeys],
    );
    return new Map(rows.map((r) => [r.email_key, { at: toUtcIso(r.accepted_at), smtpResponse: r.smtp_response ?? '' }]));
  }

  /**
   * Journals SMTP acceptances in their own autocommit statement — outside the consumer's
   * transaction, so they survive that transaction rolling back (another email of the batch
   * failing transiently, a crash before commit) and the redelivered event does not send those
   * emails again.
   */
  async journalAcceptances(dataSource: DataSource, acceptances: readonly SmtpAcceptance[]): Promise<void> {
    if (acceptances.length === 0) return;
    await dataSource.query(
      `INSERT INTO smtp_acceptances (email_key, message_id, smtp_response, accepted_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
       ON CONFLICT (email_key) DO NOTHING`,
      [
        acceptances.map((a) => a.emailKey),
        acceptances.map((a) => a.messageId),
        acceptances.map((a) => a.smtpResponse),
        acceptances.map((a) => a.at),
      ],
    );
  }

  async list(manager: EntityManager, query: SentEmailQuery): Promise<SentEmailRecord[]> {
    const rows: Record<string, unknown>[] = await manager.query(
      `SELECT email_key, template, subject_id, invoice_id, account_id, causation_event_id, correlation_id, recipient,
              subject, message_id, status, smtp_code, failure_reason, created_at, sent_at, failed_at
       FROM sent_emails
       WHERE ($1::text IS NULL OR subject_id = $1 OR starts_with(subject_id, $1 || ':'))
         AND ($2::uuid IS NULL OR invoice_id = $2)
         AND ($3::text IS NULL OR account_id = $3)
       ORDER BY created_at, email_key
       LIMIT $4`,
      [query.subjectId ?? null, query.invoiceId ?? null, query.accountId ?? null, query.limit],
    );
    return rows.map((r) => ({
      emailKey: r.email_key as string,
      template: r.template as string,
      subjectId: r.subject_id as string,
      invoiceId: (r.invoice_id as string | null) ?? null,
      accountId: r.account_id as string,
      causationEventId: r.causation_event_id as string,
      correlationId: r.correlation_id as string,
      recipient: r.recipient as string,
      subject: r.subject as string,
      messageId: r.message_id as string,
      status: r.status as SentEmailRecord['status'],
      smtpCode: (r.smtp_code as number | null) ?? null,
      failureReason: (r.failure_reason as string | null) ?? null,
      createdAt: toUtcIso(r.created_at as Date),
      sentAt: toUtcIsoOrNull(r.sent_at as Date | null),
      failedAt: toUtcIsoOrNull(r.failed_at as Date | null),
    }));
  }
}
