import { z } from 'zod';
import { defineEvent } from '../contract';
import { currencyCode, nonNegativeMinorAmount, utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

/**
 * The provider refunded `amountMinor` of the invoice's collected money for a credit note
 * (Stripe refund, idempotency key per credit note): at most one per credit note. Key: accountId.
 */
export const RefundSucceededV1 = defineEvent(
  'RefundSucceeded',
  1,
  TOPICS.payments,
  z.object({
    creditNoteId: uuid,
    creditNoteNumber: z.string().min(1),
    invoiceId: uuid,
    invoiceNumber: z.string().min(1),
    amountMinor: nonNegativeMinorAmount.refine((n) => n > 0, { message: 'must be positive' }),
    currency: currencyCode,
    providerRefundId: z.string().min(1),
    providerPaymentIntentId: z.string().min(1),
    succeededAt: utcInstant,
  }),
);
