import { z } from 'zod';
import { defineEvent } from '../contract';
import { utcInstant } from '../fields';
import { TOPICS } from '../topics';
import { emailTemplate } from './email-sent.v1';

/** The email could not be delivered and will not be retried (permanent SMTP rejection). Key: accountId. */
export const EmailFailedV1 = defineEvent(
  'EmailFailed',
  1,
  TOPICS.notifications,
  z.object({
    emailKey: z.string().min(1),
    template: emailTemplate,
    subjectId: z.string().min(1),
    invoiceId: z.string().uuid().nullable(),
    reason: z.string().min(1),
    smtpCode: z.number().int().nullable(),
    failedAt: utcInstant,
  }),
);
