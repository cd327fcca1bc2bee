import { z } from 'zod';
import { defineEvent } from '../contract';
import { currencyCode, customerSnapshot, nonNegativeMinorAmount, utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

/**
 * A charge attempt was declined or failed at the provider. `retryable` says whether a later
 * retry can help (false: the customer must act, e.g. authentication required, lost card).
 * Carries the customer snapshot so the payment-failed email is rendered from the event. Key: accountId.
 */
export const ChargeFailedV1 = defineEvent(
  'ChargeFailed',
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
    errorCode: z.string().min(1),
    declineCode: z.string().min(1).nullable(),
    message: z.string(),
    retryable: z.boolean(),
    providerPaymentIntentId: z.string().min(1).nullable(),
    failedAt: utcInstant,
    dueAt: utcInstant,
    customer: customerSnapshot,
  }),
);
