import { z } from 'zod';
import { defineEvent } from '../contract';
import { utcInstant } from '../fields';
import { TOPICS } from '../topics';

/**
 * The account's payment instrument was set or changed (account created with one, PATCH/PUT).
 * Invoices stay immutable; every charge attempt uses the account's method at the time of the
 * attempt. Published on billing.invoices so that it stays in order with the account's invoices
 * (same key, same partition). Key: accountId.
 */
export const AccountPaymentMethodChangedV1 = defineEvent(
  'AccountPaymentMethodChanged',
  1,
  TOPICS.invoices,
  z.object({
    paymentMethodId: z.string().min(1).nullable(),
    providerCustomerId: z.string().min(1).nullable(),
    previousPaymentMethodId: z.string().min(1).nullable(),
    changedAt: utcInstant,
  }),
);
