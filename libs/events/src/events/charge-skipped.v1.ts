import { z } from 'zod';
import { defineEvent } from '../contract';
import { currencyCode, nonNegativeMinorAmount, utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

/**
 * No provider call was made for the invoice, and why: nothing to collect (zero total or
 * already paid), below the provider's minimum charge for the currency, no payment method, or
 * `manual_collection` (invoicing marked the invoice for collection by hand, e.g. above the
 * provider's maximum; the amount stays outstanding). Key: accountId.
 */
export const ChargeSkippedV1 = defineEvent(
  'ChargeSkipped',
  1,
  TOPICS.payments,
  z.object({
    invoiceId: uuid,
    invoiceNumber: z.string().min(1),
    reason: z.enum(['nothing_to_collect', 'below_provider_minimum', 'no_payment_method', 'manual_collection']),
    amountMinor: nonNegativeMinorAmount,
    currency: currencyCode,
    skippedAt: utcInstant,
  }),
);
