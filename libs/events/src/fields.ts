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
