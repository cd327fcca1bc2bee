import { z } from 'zod';
import { fields } from '@billing/events';

/** Request schemas of the accounts API: a 400 names the bad field and nothing is written. */
const optionalReference = z.string().trim().min(1).max(255).nullable().optional();

export const accountFieldSchemas = {
  name: z.string().trim().min(1, { message: 'must not be empty' }).max(200),
  billingEmail: fields.email,
  currency: fields.currencyCode,
  timeZone: fields.ianaTimeZone,
  locale: fields.bcp47Locale,
  providerCustomerId: optionalReference,
  paymentMethodId: optionalReference,
  /** 0 to 10^15 minor units (fields.LIMITS). */
  creditBalanceMinor: fields.creditBalanceMinor,
  status: z.enum(['active', 'closed']),
};

export const createAccountSchema = z
  .object({
    accountId: fields.uuid.optional(),
    name: accountFieldSchemas.name,
    billingEmail: accountFieldSchemas.billingEmail,
    currency: accountFieldSchemas.currency,
    timeZone: accountFieldSchemas.timeZone,
    locale: accountFieldSchemas.locale,
    providerCustomerId: accountFieldSchemas.providerCustomerId,
    paymentMethodId: accountFieldSchemas.paymentMethodId,
    creditBalanceMinor: accountFieldSchemas.creditBalanceMinor.optional(),
    status: accountFieldSchemas.status.optional(),
  })
  .strict();
export type CreateAccountCommand = z.infer<typeof createAccountSchema>;

/** PATCH: any subset of the fields. */
export const patchAccountSchema = z
  .object({
    name: accountFieldSchemas.name.optional(),
    billingEmail: accountFieldSchemas.billingEmail.optional(),
    currency: accountFieldSchemas.currency.optional(),
    timeZone: accountFieldSchemas.timeZone.optional(),
    locale: accountFieldSchemas.locale.optional(),
    providerCustomerId: accountFieldSchemas.providerCustomerId,
    paymentMethodId: accountFieldSchemas.paymentMethodId,
    creditBalanceMinor: accountFieldSchemas.creditBalanceMinor.optional(),
    status: accountFieldSchemas.status.optional(),
  })
  .strict();
export type PatchAccountCommand = z.infer<typeof patchAccountSchema>;

/** PUT: the full resource (references and credit default to none/zero, status to active). */
export const putAccountSchema = createAccountSchema.omit({ accountId: true });

export const accountIdParam = z.object({ id: fields.uuid });
