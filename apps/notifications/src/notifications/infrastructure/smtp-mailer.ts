import { createTransport } from 'nodemailer';
import { type Logger, retry } from '@billing/messaging';
import type { NotificationsConfig } from '../../config';
import { classifySmtpFailure, type SmtpFailure } from '../domain/classify-smtp-failure';
import type { RenderedEmail } from '../domain/render-email';
import type { DeliveryOutcome, Mailer } from '../application/mailer';

/** An error that is not an SMTP outcome (a bug): surfaces so the event is dead-lettered with the reason. */
export class UnexpectedMailerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnexpectedMailerError';
  }
}

/**
 * nodemailer over a pooled SMTP transport. Every byte of a message comes from the rendered email:
 * Message-ID, Date and the MIME boundary are derived from the email key, so sending the same
 * rendered email twice puts the same bytes on the wire (nodemailer adds nothing time- or
 * random-dependent once `messageId`, `date` and `baseBoundary` are given).
 */
export class SmtpMailer implements Mailer {
  private readonly transport;

  constructor(
    private readonly config: NotificationsConfig,
    private readonly logger: Logger,
  ) {
    this.transport = createTransport({
      pool: true,
      host: config.SMTP_HOST,
      port: config.SMTP_PORT,
      secure: config.SMTP_SECURE,
      auth: config.SMTP_USER && config.SMTP_PASS ? { user: config.SMTP_USER, pass: config.SMTP_PASS } : undefined,
      maxConnections: config.SMTP_POOL_MAX_CONNECTIONS,
      maxMessages: 100,
      connectionTimeout: config.SMTP_CONNECTION_TIMEOUT_MS,
      greetingTimeout: config.SMTP_CONNECTION_TIMEOUT_MS,
      socketTimeout: config.SMTP_SOCKET_TIMEOUT_MS,
      logger: false,
      debug: false,
    });
  }

  /**
   * One send with the ONE retry layer of an SMTP send: up to SMTP_RETRY_ATTEMPTS calls on a
   * transient failure, full-jitter back-off (SMTP_RETRY_BASE_MS doubling, capped at
   * SMTP_RETRY_MAX_MS). Each repeat carries the same bytes (same Message-ID).
   */
  async deliver(email: RenderedEmail): Promise<DeliveryOutcome> {
    const { SMTP_RETRY_ATTEMPTS: attempts, SMTP_RETRY_BASE_MS: base, SMTP_RETRY_MAX_MS: max } = this.config;
    let calls = 0;
    try {
      const info = await retry(
        () => {
          calls += 1;
          return this.transport.sendMail({
            from: this.config.MAIL_FROM,
            to: { name: email.toName, address: email.to },
            subject: email.subject,
            text: email.text,
            html: email.html,
            messageId: email.messageId,
            date: new Date(email.date),
            headers: email.headers,
            baseBoundary: email.mimeBoundary,
            attachments: email.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
          } as Parameters<typeof this.transport.sendMail>[0] & { baseBoundary: string });
        },
        {
          attempts,
          baseDelayMs: base,
          maxDelayMs: max,
          retryable: (error) => classifySmtpFailure(error as SmtpFailure).kind === 'transient',
          onRetry: ({ error, attempt, delayMs }) => {
            const failure = classifySmtpFailure(error as SmtpFailure);
            this.logger.warn(
              { emailKey: email.emailKey, attempt, delay: delayMs, smtpCode: 'smtpCode' in failure ? failure.smtpCode : null, reason: failure.reason },
              'transient SMTP failure; retrying',
            );
          },
        },
      );
      return { kind: 'accepted', response: String(info.response ?? ''), attempts: calls };
    } catch (error) {
      const failure = classifySmtpFailure(error as SmtpFailure);
      if (failure.kind === 'unexpected') {
        throw new UnexpectedMailerError(`sending ${email.emailKey} failed unexpectedly: ${failure.reason}`, { cause: error });
      }
      if (failure.kind === 'permanent') return { ...failure, kind: 'rejected', attempts: calls };
      return { ...failure, kind: 'deferred', attempts: calls };
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
