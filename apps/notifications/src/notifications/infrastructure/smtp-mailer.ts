import { createTransport } from 'nodemailer';
import type { Logger } from '@billing/messaging';
import type { NotificationsConfig } from '../../config';
import { classifySmtpFailure, type SmtpFailure } from '../domain/classify-smtp-failure';
import type { RenderedEmail } from '../domain/render-email';

/** What became of one email after the in-process retries. */
export type DeliveryOutcome =
  | { kind: 'accepted'; response: string; attempts: number }
  /** Refused for good (5xx to RCPT TO / DATA): not retried. */
  | { kind: 'rejected'; smtpCode: number | null; reason: string; attempts: number }
  /** Still failing transiently after every in-process attempt: the event is redelivered later. */
  | { kind: 'deferred'; smtpCode: number | null; reason: string; attempts: number };

/** The SMTP port the send-emails use case talks to. */
export interface Mailer {
  deliver(email: RenderedEmail): Promise<DeliveryOutcome>;
  close(): Promise<void>;
}

export const MAILER = Symbol('MAILER');

/** An error that is not an SMTP outcome (a bug): surfaces so the event is dead-lettered with the reason. */
export class UnexpectedMailerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnexpectedMailerError';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

  async deliver(email: RenderedEmail): Promise<DeliveryOutcome> {
    const { SMTP_RETRY_ATTEMPTS: attempts, SMTP_RETRY_BASE_MS: base, SMTP_RETRY_MAX_MS: max } = this.config;
    for (let attempt = 1; ; attempt++) {
      try {
        const info = await this.transport.sendMail({
          from: this.config.MAIL_FROM,
          to: { name: email.toName, address: email.to },
          subject: email.subject,
          text: email.text,
          html: email.html,
          messageId: email.messageId,
          date: new Date(email.date),
          headers: email.headers,
          baseBoundary: email.mimeBoundary,
        } as Parameters<typeof this.transport.sendMail>[0] & { baseBoundary: string });
        return { kind: 'accepted', response: String(info.response ?? ''), attempts: attempt };
      } catch (error) {
        const failure = classifySmtpFailure(error as SmtpFailure);
        if (failure.kind === 'unexpected') {
          throw new UnexpectedMailerError(`sending ${email.emailKey} failed unexpectedly: ${failure.reason}`, { cause: error });
        }
        if (failure.kind === 'permanent') return { ...failure, kind: 'rejected', attempts: attempt };
        if (attempt >= attempts) return { ...failure, kind: 'deferred', attempts: attempt };
        const delay = Math.min(max, base * 2 ** (attempt - 1));
        this.logger.warn(
          { emailKey: email.emailKey, attempt, delay, smtpCode: failure.smtpCode, reason: failure.reason },
          'transient SMTP failure; retrying',
        );
        await sleep(delay);
      }
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
