import { z } from 'zod';
import { defineEvent } from '../contract';
import { utcInstant } from '../fields';
import { TOPICS } from '../topics';

/** `credit-note` added in v1 (additive): a consumer must not assume the list is closed. */
export const emailTemplate = z.enum(['invoice', 'payment-failed', 'account-on-hold', 'hold-released', 'credit-note']);

/**
 * One email per (subject, template); `subjectId` is the invoice id, `invoiceId:attempt`, the hold
 * id, or the credit note id (`invoiceId` then names the invoice it corrects). Key: accountId.
 */
export const EmailSentV1 = defineEvent(
  'EmailSent',
  1,
  TOPICS.notifications,
  z.object({
    emailKey: z.string().min(1),
    template: emailTemplate,
    subjectId: z.string().min(1),
    invoiceId: z.string().uuid().nullable(),
    messageId: z.string().min(1),
    sentAt: utcInstant,
  }),
);
