import { z } from 'zod';
import { defineEvent } from '../contract';
import { currencyCode, nonNegativeMinorAmount, utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

/**
 * A payment received outside the provider (bank transfer, cheque) was recorded against an
 * invoice. Partial payments are allowed; `outstandingAfterMinor` is what the invoice still owes
 * after it (0: paid). Collections treats a full one like a successful charge. Key: accountId.
 */
export const PaymentRecordedV1 = defineEvent(
  'PaymentRecorded',
  1,
  TOPICS.payments,
  z.object({
    invoiceId: uuid,
    invoiceNumber: z.string().min(1),
    paymentId: uuid,
    method: z.enum(['bank_transfer', 'cheque', 'other']),
    amountMinor: nonNegativeMinorAmount.refine((n) => n > 0, { message: 'must be positive' }),
    currency: currencyCode,
    reference: z.string().min(1).max(200),
    receivedAt: utcInstant,
    recordedAt: utcInstant,
    recordedBy: z.string().min(1).max(200),
    outstandingAfterMinor: nonNegativeMinorAmount,
  }),
);
