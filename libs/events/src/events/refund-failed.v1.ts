import { z } from 'zod';
import { defineEvent } from '../contract';
import { currencyCode, nonNegativeMinorAmount, utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

/**
 * The provider finally refused a credit note's refund (not a timeout or a 429: those are retried
 * with the same idempotency key and never reported as failures). Finance refunds it by hand; the
 * money stays in `refund_failed` in the reports until then. Key: accountId.
 */
export const RefundFailedV1 = defineEvent(
  'RefundFailed',
  1,
  TOPICS.payments,
  z.object({
    creditNoteId: uuid,
    creditNoteNumber: z.string().min(1),
    invoiceId: uuid,
    invoiceNumber: z.string().min(1),
    amountMinor: nonNegativeMinorAmount.refine((n) => n > 0, { message: 'must be positive' }),
    currency: currencyCode,
    errorCode: z.string().min(1).nullable(),
    message: z.string().min(1).max(1000),
    failedAt: utcInstant,
  }),
);
