import { z } from 'zod';
import { defineEvent } from '../contract';
import {
  currencyCode,
  customerSnapshot,
  decimalString,
  nonNegativeMinorAmount,
  period,
  utcInstant,
  uuid,
} from '../fields';
import { TOPICS } from '../topics';

export const invoiceLineV1 = z.object({
  lineId: z.string().min(1),
  sku: z.string().min(1),
  description: z.string().min(1),
  resourceId: z.string().min(1).nullable(),
  unit: z.string().min(1),
  quantity: decimalString,
  unitPrice: decimalString,
  amountMinor: nonNegativeMinorAmount,
  capped: z.boolean(),
  /** The period the usage belongs to; differs from the invoice's period for late usage. */
  usagePeriod: period,
  /**
   * `usage` (absent on older events) or `carried_balance`: the total of an earlier invoice that
   * was below the provider's minimum charge, carried to this one (not revenue a second time).
   */
  kind: z.enum(['usage', 'carried_balance']).optional(),
  /** For a carried_balance line: the invoice whose total it carries. */
  carriedFromInvoiceId: uuid.optional(),
  carriedFromInvoiceNumber: z.string().min(1).optional(),
});

/**
 * How the invoice is to be collected, decided by invoicing at issue (the first that holds):
 * - `nothing_due`: the total is zero;
 * - `manual_above_provider_maximum`: the total is more than the provider can charge in one
 *   payment; payments makes no provider call and finance collects it by hand;
 * - `below_provider_minimum`: the total is below the provider's minimum charge; it is carried to
 *   the account's next invoice as a `carried_balance` line (`carriedForwardMinor`);
 * - `no_payment_method`: the account has no payment method at issue; the customer adds one (the
 *   invoice is then charged at once) or pays by bank transfer;
 * - `charge_automatically`: payments charges the account's payment method.
 * Additive and optional in v1: an event without it is treated as before (charged when
 * `requiresCharge`). More manual reasons will be added as `manual_*`/named values; a consumer
 * must treat any value other than `charge_automatically` and `nothing_due` as "do not charge".
 */
export const invoiceCollectionV1 = z.enum([
  'charge_automatically',
  'nothing_due',
  'manual_above_provider_maximum',
  'below_provider_minimum',
  'no_payment_method',
]);
export type InvoiceCollection = z.infer<typeof invoiceCollectionV1>;

/**
 * An immutable invoice was issued. Carries the full snapshot payments and notifications
 * need, so that neither ever calls invoicing back. Key: accountId.
 */
export const InvoiceGeneratedV1 = defineEvent(
  'InvoiceGenerated',
  1,
  TOPICS.invoices,
  z
    .object({
      invoiceId: uuid,
      invoiceNumber: z.string().min(1),
      runId: uuid,
      period,
      periodStart: utcInstant,
      periodEnd: utcInstant,
      currency: currencyCode,
      subtotalMinor: nonNegativeMinorAmount,
      creditAppliedMinor: nonNegativeMinorAmount,
      totalMinor: nonNegativeMinorAmount,
      issuedAt: utcInstant,
      dueAt: utcInstant,
      lines: z.array(invoiceLineV1),
      customer: customerSnapshot,
      payment: z.object({
        providerCustomerId: z.string().min(1).nullable(),
        paymentMethodId: z.string().min(1).nullable(),
      }),
      requiresCharge: z.boolean(),
      collection: invoiceCollectionV1.optional(),
      /** This invoice's own total carried to the next invoice (below the provider minimum); 0 otherwise. */
      carriedForwardMinor: nonNegativeMinorAmount.optional(),
    })
    .refine((p) => p.totalMinor === p.subtotalMinor - p.creditAppliedMinor, {
      message: 'totalMinor must equal subtotalMinor - creditAppliedMinor',
      path: ['totalMinor'],
    })
    .refine((p) => p.requiresCharge === p.totalMinor > 0, {
      message: 'requiresCharge must be true exactly when totalMinor > 0',
      path: ['requiresCharge'],
    })
    .refine((p) => p.collection === undefined || (p.collection === 'nothing_due') === (p.totalMinor === 0), {
      message: "collection must be 'nothing_due' exactly when totalMinor is 0",
      path: ['collection'],
    })
    .refine(
      (p) =>
        p.carriedForwardMinor === undefined ||
        p.carriedForwardMinor === (p.collection === 'below_provider_minimum' ? p.totalMinor : 0),
      { message: 'carriedForwardMinor must be the total exactly when the collection is below_provider_minimum', path: ['carriedForwardMinor'] },
    ),
);
