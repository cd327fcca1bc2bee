import { z } from 'zod';
import { defineEvent } from '../contract';
import { currencyCode, customerSnapshot, nonNegativeMinorAmount, utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

export const unpaidInvoiceV1 = z.object({
  invoiceId: uuid,
  invoiceNumber: z.string().min(1),
  amountMinor: nonNegativeMinorAmount,
  currency: currencyCode,
});

/** The account is on hold for unpaid invoices. Holds are per account. Key: accountId. */
export const AccountHoldPlacedV1 = defineEvent(
  'AccountHoldPlaced',
  1,
  TOPICS.collections,
  z.object({
    holdId: uuid,
    reason: z.enum(['retries_exhausted', 'payment_action_required']),
    unpaidInvoices: z.array(unpaidInvoiceV1).min(1),
    placedAt: utcInstant,
    customer: customerSnapshot,
  }),
);
