import { z } from 'zod';
import { fields } from '@billing/events';

const nonNegativeDecimal = z
  .string()
  .regex(/^\d+(\.\d+)?$/, { message: 'must be a non-negative decimal number string' });

export const productPriceSchema = z
  .object({
    /** Major units, may be finer than the minor unit, e.g. "0.00744". */
    unitPrice: nonNegativeDecimal,
    monthlyCapPerResource: nonNegativeDecimal.nullable().optional(),
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
