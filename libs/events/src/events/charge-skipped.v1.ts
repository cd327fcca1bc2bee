import { z } from 'zod';
import { defineEvent } from '../contract';
import { currencyCode, nonNegativeMinorAmount, utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

/**
 * No provider call was made for the invoice, and why: nothing to collect (zero total or
 * already paid) or below the provider's minimum charge for the currency. Key: accountId.
 */
export const ChargeSkippedV1 = defineEvent(
  'ChargeSkipped',
  1,
  TOPICS.payments,
  z.object({
    invoiceId: uuid,
    invoiceNumber: z.string().min(1),
    reason: z.enum(['nothing_to_collect', 'below_provider_minimum', 'no_payment_method']),
    amountMinor: nonNegativeMinorAmount,
    currency: currencyCode,
    skippedAt: utcInstant,
  }),
);
