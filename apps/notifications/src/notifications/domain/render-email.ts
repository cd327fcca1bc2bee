import {
  DEFAULT_MESSAGE_ID_DOMAIN,
  emailKeyFor,
  messageIdFor,
  mimeBoundaryFor,
} from './email-identity';
import { emailSubjectFor, type EmailTemplateName, type NotifiableEvent } from './email-view';
import { formatRfc5322Date } from '@billing/i18n';
import type { EmailAttachment } from './attachments';
import type { EmailTemplates } from './templates';

export interface RenderOptions {
  /** Right-hand side of the Message-ID (default `billing.local`). */
  messageIdDomain?: string;
}

export interface RenderedEmail {
  /** `${template}:${subjectId}`: at most one email is sent per key. */
  emailKey: string;
  template: EmailTemplateName;
  /** Invoice id, `invoiceId:attempt` (payment-failed) or hold id. */
  subjectId: string;
  invoiceId: string | null;
  /** Recipient address, and the name to show with it, from the event's customer snapshot. */
  to: string;
  toName: string;
  subject: string;
  html: string;
  text: string;
  /** `<sha256(emailKey)[0..32]@domain>`, also in `headers['Message-ID']`. */
  messageId: string;
  /** The instant the email is dated with, from the event (issuedAt / failedAt / placedAt / releasedAt). */
  date: string;
  /** Headers to send as they are: Message-ID, Date (from the event, never the clock) and the email key. */
  headers: Record<string, string>;
  /** Deterministic MIME boundary seed: pass as nodemailer's `baseBoundary` so a re-send is byte-identical. */
  mimeBoundary: string;
  /** Files the email carries (see attachments.ts); none from `renderEmail` itself. */
  attachments: EmailAttachment[];
}

/**
 * Renders the email an event causes, from the event alone: the same event always yields the same
 * subject, bodies, Message-ID and Date, whatever the server's zone, locale or clock.
 */
export function renderEmail(
  templates: EmailTemplates,
  input: NotifiableEvent,
  options: RenderOptions = {},
): RenderedEmail {
  const about = emailSubjectFor(input);
  const emailKey = emailKeyFor(about.template, about.subjectId);
  const messageId = messageIdFor(emailKey, options.messageIdDomain ?? DEFAULT_MESSAGE_ID_DOMAIN);
  const { subject, html, text } = templates.render(about.template, about.view);
  return {
    emailKey,
    template: about.template,
    subjectId: about.subjectId,
    invoiceId: about.invoiceId,
    to: about.customer.email,
    toName: about.customer.name,
    subject,
    html,
    text,
    messageId,
    date: about.datedAt,
    headers: {
      'Message-ID': messageId,
      Date: formatRfc5322Date(about.datedAt),
      'X-Billing-Email-Key': emailKey,
      'Auto-Submitted': 'auto-generated',
    },
    mimeBoundary: mimeBoundaryFor(emailKey),
    attachments: [],
  };
}
