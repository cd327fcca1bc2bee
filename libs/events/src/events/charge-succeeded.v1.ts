import { z } from 'zod';
import { defineEvent } from '../contract';
import { currencyCode, nonNegativeMinorAmount, utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

/** The provider collected `amountMinor` for the invoice. Key: accountId. */
export const ChargeSucceededV1 = defineEvent(
  'ChargeSucceeded',
  1,
  TOPICS.payments,
  z.object({
    invoiceId: uuid,
    invoiceNumber: z.string().min(1),
    attempt: z.number().int().positive(),
    amountMinor: nonNegativeMinorAmount,
    currency: currencyCode,
    /** The payment method the attempt charged (the account's at the time of the attempt); absent on older events. */
    paymentMethodId: z.string().min(1).nullable().optional(),
    providerPaymentIntentId: z.string().min(1),
    providerChargeId: z.string().min(1).nullable(),
    succeededAt: utcInstant,
  }),
);
