import type { RenderedEmail } from '../domain/render-email';

/** What became of one email after the in-process retries. */
export type DeliveryOutcome =
  | { kind: 'accepted'; response: string; attempts: number }
  /** Refused for good (5xx to RCPT TO / DATA): not retried. */
  | { kind: 'rejected'; smtpCode: number | null; reason: string; attempts: number }
  /**
   * Still failing transiently after every attempt of the send's one retry layer: the event is
   * redelivered later. `scope: 'server'` — the server as a whole fails (an outage, never dead-lettered).
   */
  | { kind: 'deferred'; smtpCode: number | null; reason: string; attempts: number; scope: 'email' | 'server' };

/** The port the send-emails use case sends through (infrastructure/smtp-mailer.ts implements it over SMTP). */
export interface Mailer {
  deliver(email: RenderedEmail): Promise<DeliveryOutcome>;
  close(): Promise<void>;
}

export const MAILER = Symbol('MAILER');
