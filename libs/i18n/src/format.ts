import Decimal from 'decimal.js';
import { LRUCache } from 'lru-cache';
import { minorUnitExponent } from '@billing/money';

/**
 * Pure formatting for emails. Every function takes the locale and time zone it formats for:
 * nothing here reads the process's time zone, default locale or clock, so one event renders to
 * the same bytes on every server.
 */

/**
 * A locale list ending in a fixed fallback. Intl falls back to the *process's* default locale when
 * none of the requested locales is available; the explicit last entry makes that fallback ours.
 */
export const FALLBACK_LOCALE = 'en-US';

function locales(locale: string): string[] {
  return [locale, FALLBACK_LOCALE];
}

/**
 * Intl formatters are immutable and costly to build (ICU loads locale and zone data each time),
 * so one is built per distinct (kind, locales, options) and reused; at most MAX_CACHED of each kind.
 */
const MAX_CACHED = 1000;
type FormatRequest<O> = { locale: string; options: O };
const numberFormats = new LRUCache<string, Intl.NumberFormat, FormatRequest<Intl.NumberFormatOptions>>({
  max: MAX_CACHED,
  memoMethod: (_key, _stale, { context }) => new Intl.NumberFormat(locales(context.locale), context.options),
});
const dateFormats = new LRUCache<string, Intl.DateTimeFormat, FormatRequest<Intl.DateTimeFormatOptions>>({
  max: MAX_CACHED,
  memoMethod: (_key, _stale, { context }) => new Intl.DateTimeFormat(locales(context.locale), context.options),
});

const formatKey = (locale: string, options: object) => `${locale}|${JSON.stringify(options)}`;

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  return numberFormats.memo(formatKey(locale, options), { context: { locale, options } });
}

function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return dateFormats.memo(formatKey(locale, options), { context: { locale, options } });
}

/** Intl's `format` accepts exact decimal strings since Intl.NumberFormat v3 (Node 19+); lib typings lag. */
function formatDecimalString(format: Intl.NumberFormat, value: string): string {
  return (format.format as unknown as (value: string) => string)(value);
}

const MAX_FRACTION_DIGITS = 20;

function fractionDigits(value: Decimal): number {
  const places = value.decimalPlaces();
  if (places > MAX_FRACTION_DIGITS) {
    throw new RangeError(`cannot display more than ${MAX_FRACTION_DIGITS} decimal places: ${value.toFixed()}`);
  }
  return places;
}

/**
 * Formats an integer amount of minor units. The exponent comes from the project's ISO 4217 table
 * (HUF has 2, even where Intl displays 0); the major amount is computed exactly with decimal.js
 * and handed to Intl as a string, so no float ever touches it.
 *   (1000, 'USD', 'en-US') -> "$10.00"; (17500, 'HUF', 'hu-HU') -> "175,00 Ft"
 */
export function formatMoney(amountMinor: number, currency: string, locale: string): string {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new RangeError(`amountMinor must be a safe integer, got ${amountMinor}`);
  }
  const exponent = minorUnitExponent(currency);
  const major = new Decimal(amountMinor).dividedBy(new Decimal(10).pow(exponent)).toFixed(exponent);
  const format = numberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  return formatDecimalString(format, major);
}

/**
 * Formats a unit price given as an exact major-unit decimal string (it may be finer than the
 * minor unit, e.g. "0.0125" USD): at least the currency's exponent, more if the price has them.
 */
export function formatUnitPrice(unitPrice: string, currency: string, locale: string): string {
  const value = new Decimal(unitPrice);
  const digits = Math.max(minorUnitExponent(currency), fractionDigits(value));
  const format = numberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return formatDecimalString(format, value.toFixed(digits));
}

/** Formats an exact decimal string (a quantity) with exactly the decimals it has: "1234.5" -> "1,234.5". */
export function formatDecimal(value: string, locale: string): string {
  const decimal = new Decimal(value);
  const digits = fractionDigits(decimal);
  const format = numberFormat(locale, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return formatDecimalString(format, decimal.toFixed(digits));
}

function instantMillis(isoInstant: string): number {
  const millis = Date.parse(isoInstant);
  if (!/Z$/.test(isoInstant) || Number.isNaN(millis)) {
    throw new RangeError(`expected a UTC ISO-8601 instant ending in Z, got ${isoInstant}`);
  }
  return millis;
}

/**
 * Date and time of an instant in the given IANA zone, with the zone's short name or offset:
 *   ('2017-08-08T03:31:09Z', 'America/Los_Angeles', 'en-US') -> "August 7, 2017 at 8:31:09 PM PDT"
 */
export function formatInstant(isoInstant: string, timeZone: string, locale: string): string {
  return dateTimeFormat(locale, {
    timeZone,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  }).format(instantMillis(isoInstant));
}

/** The calendar date of an instant in the given zone (for due dates): "August 7, 2017". */
export function formatDate(isoInstant: string, timeZone: string, locale: string): string {
  return dateTimeFormat(locale, {
    timeZone,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  }).format(instantMillis(isoInstant));
}

/** A billing period YYYY-MM as month and year: ('2017-07', 'en-US') -> "July 2017". */
export function formatPeriod(period: string, locale: string): string {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  if (!match) throw new RangeError(`expected a period YYYY-MM, got ${period}`);
  // The period is a calendar month, not an instant: format a UTC date as UTC so no zone can shift it.
  return dateTimeFormat(locale, { timeZone: 'UTC', year: 'numeric', month: 'long' }).format(
    Date.UTC(Number(match[1]), Number(match[2]) - 1, 1),
  );
}

/** An instant as an RFC 5322 Date header value, always in UTC: "Tue, 08 Aug 2017 03:31:09 +0000". */
export function formatRfc5322Date(isoInstant: string): string {
  // toUTCString is fixed-format English in UTC, independent of the process zone and locale.
  return new Date(instantMillis(isoInstant)).toUTCString().replace(/GMT$/, '+0000');
}
