import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { isCurrencyCode } from '@billing/money';

/** Field schemas shared by every event contract. */

export const currencyCode = z
  .string()
  .refine((c) => isCurrencyCode(c), { message: 'must be an ISO 4217 currency code' });

/** An integer count of the currency's minor unit. */
export const minorAmount = z
  .number()
  .refine((n) => Number.isSafeInteger(n), { message: 'must be an integer amount of minor units' });

export const nonNegativeMinorAmount = minorAmount.refine((n) => n >= 0, { message: 'must not be negative' });

/** A UTC instant as ISO-8601 with a Z suffix, e.g. 2026-11-30T08:00:00.000Z. */
export const utcInstant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/, { message: 'must be a UTC ISO-8601 instant ending in Z' })
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be a valid instant' });

const IANA_NAME = /^(?:UTC|[A-Za-z][A-Za-z_-]*(?:\/[A-Za-z0-9_+-]+){1,2})$/;

/**
 * Constructing Intl objects is slow, and every event that carries a zone or locale is validated
 * by every consumer that reads it: the same few hundred names over and over. So answers are
 * remembered, for at most 2,000 names (a stream of made-up names cannot grow memory).
 */
const zoneAnswers = new LRUCache<string, boolean>({
  max: 2_000,
  memoMethod: (zone) => {
    if (!IANA_NAME.test(zone)) return false;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
});

export const isIanaTimeZone = (zone: string): boolean => zoneAnswers.memo(zone);

export const ianaTimeZone = z.string().refine(isIanaTimeZone, { message: 'must be an IANA time zone name' });

const localeAnswers = new LRUCache<string, boolean>({
  max: 2_000,
  memoMethod: (locale) => {
    try {
      return Intl.getCanonicalLocales(locale).length === 1;
    } catch {
      return false;
    }
  },
});

export const isBcp47Locale = (locale: string): boolean => localeAnswers.memo(locale);

export const bcp47Locale = z.string().refine(isBcp47Locale, { message: 'must be a BCP 47 locale tag' });

/** A billing period: a calendar month, YYYY-MM. */
export const period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'must be a period YYYY-MM' });

/** An exact decimal number as a string (quantities and unit prices finer than a minor unit). */
export const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, { message: 'must be a decimal number string' });

/**
 * LIMITS. Bounds on the decimals that are multiplied into money, chosen so that real usage fits
 * with room to spare and a single record or price can never by itself leave a safe integer of
 * minor units (rating still checks sums: many in-bound records can add up past it).
 * - usage quantity: 0 to 10^12 (a trillion requests or GB-hours in one record), at most 9
 *   fractional digits (nano-units);
 * - unit price: 0 to 10^6 major units, at most 12 fractional digits (per-request prices such as
 *   0.000000400000);
 * - monthly cap per resource: 0 to 10^9 major units, at most 12 fractional digits;
 * - an account's prepaid credit: 0 to 10^15 minor units (below 2^53, with room for sums);
 * - when usage happened: from 2000-01-01 to before 2100-01-01 UTC (a record dated 9999-12-31
 *   would belong to the period 10000-01 in a zone east of UTC, which no period can hold).
 */
export const LIMITS = {
  usageQuantity: { max: '1000000000000', fractionDigits: 9 },
  unitPrice: { max: '1000000', fractionDigits: 12 },
  monthlyCap: { max: '1000000000', fractionDigits: 12 },
  creditBalanceMinor: { max: 1_000_000_000_000_000 },
  usageOccurredAt: { from: '2000-01-01T00:00:00.000Z', before: '2100-01-01T00:00:00.000Z' },
} as const;

const NON_NEGATIVE_DECIMAL = /^\d+(\.\d+)?$/;

/** Compares two non-negative plain decimal strings exactly (no floats): -1, 0 or 1. */
function compareDecimals(a: string, b: string): number {
  const [ai, af = ''] = a.split('.');
  const [bi, bf = ''] = b.split('.');
  const aInt = ai.replace(/^0+(?=\d)/, '');
  const bInt = bi.replace(/^0+(?=\d)/, '');
  if (aInt.length !== bInt.length) return aInt.length < bInt.length ? -1 : 1;
  const width = Math.max(af.length, bf.length);
  const x = aInt + af.padEnd(width, '0');
  const y = bInt + bf.padEnd(width, '0');
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A non-negative decimal string of at most `fractionDigits` decimals, at most `max`. */
export function boundedDecimal(limit: { readonly max: string; readonly fractionDigits: number }) {
  return z
    .string()
    .regex(NON_NEGATIVE_DECIMAL, { message: 'must be a non-negative decimal number string' })
    .refine((s) => (s.split('.')[1] ?? '').length <= limit.fractionDigits, {
      message: `must have at most ${limit.fractionDigits} digits after the decimal point`,
    })
    .refine((s) => compareDecimals(s, limit.max) <= 0, { message: `must be at most ${limit.max}` });
}

/** A usage record's quantity (HTTP upload and UsageRecorded alike). */
export const usageQuantity = boundedDecimal(LIMITS.usageQuantity);

/** When a usage record happened: a UTC instant within LIMITS.usageOccurredAt. */
export const usageInstant = utcInstant.refine(
  (s) => Date.parse(s) >= Date.parse(LIMITS.usageOccurredAt.from) && Date.parse(s) < Date.parse(LIMITS.usageOccurredAt.before),
  { message: `must be from ${LIMITS.usageOccurredAt.from} and before ${LIMITS.usageOccurredAt.before}` },
);

/** A product's unit price in major units. */
export const unitPrice = boundedDecimal(LIMITS.unitPrice);

/** A product's monthly cap per resource in major units. */
export const monthlyCap = boundedDecimal(LIMITS.monthlyCap);

/** An account's prepaid credit in minor units. */
export const creditBalanceMinor = z
  .number()
  .int({ message: 'must be an integer amount of minor units' })
  .min(0, { message: 'must not be negative' })
  .max(LIMITS.creditBalanceMinor.max, { message: `must be at most ${LIMITS.creditBalanceMinor.max}` });

export const uuid = z.string().uuid({ message: 'must be a UUID' });

export const email = z.string().email({ message: 'must be an email address' });

/** The customer facts a notification is rendered from: carried on events, never looked up. */
export const customerSnapshot = z.object({
  name: z.string().min(1),
  email,
  timeZone: ianaTimeZone,
  locale: bcp47Locale,
});
export type CustomerSnapshot = z.infer<typeof customerSnapshot>;
