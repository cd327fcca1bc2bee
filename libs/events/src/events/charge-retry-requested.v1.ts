import { z } from 'zod';
import { defineEvent } from '../contract';
import { utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

/** Collections asks payments to try the invoice again as attempt `attempt`. Key: accountId. */
export const ChargeRetryRequestedV1 = defineEvent(
  'ChargeRetryRequested',
  1,
  TOPICS.collections,
  z.object({
    invoiceId: uuid,
    dunningCaseId: uuid,
    attempt: z.number().int().min(2),
    scheduledFor: utcInstant,
    requestedAt: utcInstant,
    /** Why now: the dunning schedule (absent on older events), a new payment method, or an operator's pay-now. */
    reason: z.enum(['schedule', 'payment_method_changed', 'pay_now']).optional(),
  }),
);
