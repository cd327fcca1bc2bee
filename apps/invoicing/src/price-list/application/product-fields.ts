import { z } from 'zod';
import { fields } from '@billing/events';

/** Bounded so that rating can never meet a price or cap that alone overflows (fields.LIMITS). */
export const productPriceSchema = z
  .object({
    /** Major units, may be finer than the minor unit, e.g. "0.00744"; at most 10^6, 12 decimals. */
    unitPrice: fields.unitPrice,
    /** Major units; at most 10^9, 12 decimals. */
    monthlyCapPerResource: fields.monthlyCap.nullable().optional(),
  })
  .strict();

export const skuSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, { message: 'must be a SKU (letters, digits, . _ -)' });

export const productBodySchema = z
  .object({
    description: z.string().trim().min(1).max(500),
    unit: z.enum(['hour', 'GB-month', 'request', 'seat']),
    prices: z
      .record(fields.currencyCode, productPriceSchema)
      .refine((p) => Object.keys(p).length > 0, { message: 'must hold at least one currency' }),
  })
  .strict();

export const productSchema = productBodySchema.extend({ sku: skuSchema });

export const priceListFileSchema = z.object({ products: z.array(productSchema) }).strict();
