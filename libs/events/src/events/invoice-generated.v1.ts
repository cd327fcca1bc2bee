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
});

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
    })
    .refine((p) => p.totalMinor === p.subtotalMinor - p.creditAppliedMinor, {
      message: 'totalMinor must equal subtotalMinor - creditAppliedMinor',
      path: ['totalMinor'],
    })
    .refine((p) => p.requiresCharge === p.totalMinor > 0, {
      message: 'requiresCharge must be true exactly when totalMinor > 0',
      path: ['requiresCharge'],
    }),
);
