import { Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { sellerOf } from '@billing/documents';
import { EmailFailedV1, EmailSentV1, createEvent, type Envelope } from '@billing/events';
import { CLOCK, type Clock, type Logger, PermanentError, ServiceRuntime, TransientError, appendToOutbox, causedBy, eventMeta, settleBounded } from '@billing/messaging';
import { NOTIFICATIONS_CONFIG, type NotificationsConfig } from '../../../config';
import type { NotifiableEvent } from '../../domain/email-view';
import { attachmentsFor, type AttachmentOptions } from '../../domain/attachments';
import { renderEmail, type RenderedEmail } from '../../domain/render-email';
import type { EmailTemplates } from '../../domain/templates';
import { AcceptanceJournal } from '../../infrastructure/acceptance-journal';
import { MAILER, type DeliveryOutcome, type Mailer } from '../mailer';
import { SentEmailsRepository, type EmailResult } from '../../infrastructure/sent-emails.repository';
import { EMAIL_TEMPLATES } from '../../tokens';

interface Pending {
  event: NotifiableEvent;
  email: RenderedEmail;
}

type Settled =
  | { item: Pending; outcome: DeliveryOutcome & { at: string; journaled: boolean } }
  | { item: Pending; error: unknown };

/**
 * Use case: send the email each event causes — at most one per (subject, template).
 *
 * In the consumer's transaction (which also holds the inbox rows of these events):
 *   1. render every email from its event alone (no current state, no server zone/locale/clock);
 *   2. claim a `sent_emails` row per email key (INSERT ... ON CONFLICT DO NOTHING): a key that
 *      already exists was sent (or refused for good) before, and nothing happens;
 *   3. send the claimed emails over SMTP, several at once (bounded), each with the Message-ID,
 *      Date and MIME boundary derived from its key;
 *   4. mark each sent / failed and append `EmailSent` / `EmailFailed` to the outbox.
 *
 * Delivery guarantee — the one place this is at-least-once, on purpose:
 * an SMTP server's "250 accepted" and our commit cannot be one atomic step. If the process dies
 * after the server accepted a message but before the transaction commits, nothing of it is kept
 * (row, inbox, outbox all roll back) and the redelivered event sends it again. That re-send is
 * byte-identical — same Message-ID, Date, boundary and bodies, because all of them derive from
 * the event — so mail clients show one message. Every other path is exactly-once: a redelivered
 * event is dropped by the inbox, a different event about the same subject finds the row, and a
 * concurrent consumer waits on the row's key and then skips it. To keep the window small, each
 * acceptance is also journaled at once outside the transaction (`smtp_acceptances`; emails in
 * flight together share one statement): when the batch is retried because *another* email failed
 * transiently, or the process dies after that write, the accepted email is not sent again.
 *
 * Transient SMTP failures (4xx, connection errors) are retried by the mailer, the send's one
 * retry layer (bounded, jittered); an email still failing then makes the batch a
 * `TransientError({ retried: true })`: rolled back and redelivered later by Kafka, not retried
 * in-process again. An email-level failure spends the consumer's redelivery budget (then the event
 * is dead-lettered, `retries_exhausted`); a server-wide one is an outage and only waits.
 * Permanent refusals (5xx to RCPT TO / DATA, e.g. 550 mailbox does not exist) are recorded as
 * failed with `EmailFailed` and never retried.
 */
@Injectable()
export class SendEmails {
  private readonly emails: Counter<'template' | 'outcome'>;
  private readonly journal: AcceptanceJournal;
  private readonly attachmentOptions: AttachmentOptions;
  /**
   * PDFs are rendered one at a time: a render is CPU-bound (nothing gained by overlapping them on
   * one event loop) and holds its parsed fonts until it ends, so sixteen sends in flight rendering
   * together ran the service out of its heap (seen in `npm run bench -- --attach-pdf`).
   */
  private renderLane: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(EMAIL_TEMPLATES) private readonly templates: EmailTemplates,
    @Inject(MAILER) private readonly mailer: Mailer,
    @Inject(NOTIFICATIONS_CONFIG) private readonly config: NotificationsConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly repository: SentEmailsRepository,
    private readonly dataSource: DataSource,
    runtime: ServiceRuntime,
  ) {
    this.emails = new Counter({
      name: 'billing_emails_total',
      help: 'Emails by template and outcome (sent, failed, deferred, duplicate)',
      labelNames: ['template', 'outcome'],
      registers: [runtime.metrics.registry],
    });
    this.attachmentOptions = { attachInvoicePdf: config.INVOICE_EMAIL_ATTACH_PDF, seller: sellerOf(config) };
    // every email in flight may share one journal INSERT
    this.journal = new AcceptanceJournal((rows) => repository.journalAcceptances(dataSource, rows), 10, config.SMTP_SEND_CONCURRENCY);
  }

  async execute(events: readonly NotifiableEvent[], manager: EntityManager, logger: Logger): Promise<void> {
    const now = this.clock.now().toISOString();

    // 1. Render (pure). A failure here is a bug in a template or an event we cannot render: the
    //    event is dead-lettered with the reason (templates were validated at start-up, so rare).
    const byKey = new Map<string, Pending>();
    for (const event of events) {
      let email: RenderedEmail;
      try {
        email = renderEmail(this.templates, event, { messageIdDomain: this.config.MESSAGE_ID_DOMAIN });
      } catch (error) {
        throw new PermanentError('render_failed', `cannot render the email for ${event.type} ${event.eventId}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      if (!byKey.has(email.emailKey)) byKey.set(email.emailKey, { event, email });
      else this.emails.inc({ template: email.template, outcome: 'duplicate' });
    }
    const candidates = [...byKey.values()];

    // 2. Claim one row per key, in this transaction, before anything is sent.
    const claimed = await this.repository.claim(
      manager,
      candidates.map(({ event, email }) => ({
        emailKey: email.emailKey,
        template: email.template,
        subjectId: email.subjectId,
        invoiceId: email.invoiceId,
        accountId: event.accountId,
        causationEventId: event.eventId,
        correlationId: event.correlationId,
        recipient: email.to,
        subject: email.subject,
        messageId: email.messageId,
      })),
      now,
    );
    const toSend = candidates.filter(({ email }) => claimed.has(email.emailKey));
    for (const { event, email } of candidates) {
      if (claimed.has(email.emailKey)) continue;
      this.emails.inc({ template: email.template, outcome: 'duplicate' });
      logger.info({ eventId: event.eventId, correlationId: event.correlationId, emailKey: email.emailKey }, 'email already handled; not sending again');
    }
    if (toSend.length === 0) return;

    // 3. Send, a bounded number at a time. Acceptances journaled by an earlier, rolled-back try are not re-sent.
    const journaled = await this.repository.acceptedBefore(
      manager,
      toSend.map((p) => p.email.emailKey),
    );
    const settled = await settleBounded(toSend, this.config.SMTP_SEND_CONCURRENCY, (item) => this.deliver(item, journaled, logger));
    const results: Settled[] = settled.map((s, i) => (s.ok ? { item: toSend[i], outcome: s.value } : { item: toSend[i], error: s.error }));

    const broken = results.find((r): r is Extract<Settled, { error: unknown }> => 'error' in r);
    if (broken) throw broken.error; // not an SMTP outcome: surfaces (the event is dead-lettered)
    const delivered = results as Extract<Settled, { outcome: unknown }>[];
    const deferred = delivered.filter((r) => r.outcome.kind === 'deferred');
    if (deferred.length > 0) {
      for (const { item } of deferred) this.emails.inc({ template: item.email.template, outcome: 'deferred' });
      const first = deferred[0].outcome as Extract<DeliveryOutcome, { kind: 'deferred' }>;
      // Each send already spent its one retry layer: the consumer must not retry the batch
      // in-process (`retried`); only a server-wide failure is an outage that never dead-letters.
      const outage = deferred.every((d) => d.outcome.kind === 'deferred' && d.outcome.scope === 'server');
      throw new TransientError(
        `${deferred.length} email(s) could not be sent yet (${deferred.map((d) => d.item.email.emailKey).join(', ')}): ${first.reason}`,
        { retried: true, outage },
      );
    }

    // 4. Record outcomes and emit, in this transaction.
    const outcomes: EmailResult[] = [];
    const emitted: Envelope[] = [];
    for (const { item, outcome } of delivered) {
      const { event, email } = item;
      const meta = eventMeta('notifications', outcome.at, causedBy(event));
      const about = { emailKey: email.emailKey, template: email.template, subjectId: email.subjectId, invoiceId: email.invoiceId };
      const log = { eventId: event.eventId, correlationId: event.correlationId, emailKey: email.emailKey, messageId: email.messageId };
      if (outcome.kind === 'accepted') {
        outcomes.push({ emailKey: email.emailKey, status: 'sent', at: outcome.at, smtpResponse: outcome.response });
        emitted.push(createEvent(EmailSentV1, meta, { ...about, messageId: email.messageId, sentAt: outcome.at }));
        this.emails.inc({ template: email.template, outcome: 'sent' });
        logger.info({ ...log, attempts: outcome.attempts, journaled: outcome.journaled }, 'email sent');
      } else if (outcome.kind === 'rejected') {
        outcomes.push({ emailKey: email.emailKey, status: 'failed', at: outcome.at, smtpCode: outcome.smtpCode, reason: outcome.reason });
        emitted.push(
          createEvent(EmailFailedV1, meta, { ...about, reason: outcome.reason, smtpCode: outcome.smtpCode, failedAt: outcome.at }),
        );
        this.emails.inc({ template: email.template, outcome: 'failed' });
        logger.warn({ ...log, smtpCode: outcome.smtpCode, reason: outcome.reason }, 'email refused permanently; not retrying');
      }
    }
    await this.repository.record(manager, outcomes);
    await appendToOutbox(manager, emitted);
  }

  private async deliver(
    { event, email }: Pending,
    journaled: Map<string, { at: string; smtpResponse: string }>,
    logger: Logger,
  ): Promise<DeliveryOutcome & { at: string; journaled: boolean }> {
    const earlier = journaled.get(email.emailKey);
    if (earlier) return { kind: 'accepted', response: earlier.smtpResponse, attempts: 0, at: earlier.at, journaled: true };
    // rendered only for an email about to be sent (claimed, not journaled): from the event, so a re-send attaches the same bytes
    const render = this.renderLane.then(() => attachmentsFor(event, this.attachmentOptions));
    this.renderLane = render.catch(() => undefined);
    const attachments = await render;
    const outcome = await this.mailer.deliver({ ...email, attachments });
    const at = this.clock.now().toISOString();
    if (outcome.kind === 'accepted') {
      await this.journal
        .record({ emailKey: email.emailKey, messageId: email.messageId, smtpResponse: outcome.response, at })
        .catch((error) => logger.warn({ err: error, emailKey: email.emailKey }, 'could not journal an SMTP acceptance'));
    }
    return { ...outcome, at, journaled: false };
  }
}
