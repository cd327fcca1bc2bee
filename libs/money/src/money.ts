import Decimal from 'decimal.js';
import { CurrencyCode, isCurrencyCode, minorUnitExponent } from './currencies';

/** An integer count of a currency's minor unit. No floats anywhere a cent can be lost. */
export interface Money {
  readonly amountMinor: number;
  readonly currency: CurrencyCode;
}

export function money(amountMinor: number, currency: string): Money {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new RangeError(`amountMinor must be a safe integer, got ${amountMinor}`);
  }
  if (!isCurrencyCode(currency)) throw new RangeError(`unknown ISO 4217 currency code: ${currency}`);
  return { amountMinor, currency };
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new RangeError(`currency mismatch: ${a.currency} vs ${b.currency}`);
}

export function addMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amountMinor + b.amountMinor, a.currency);
}

export function subtractMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amountMinor - b.amountMinor, a.currency);
}

export function minMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return a.amountMinor <= b.amountMinor ? a : b;
}

export function zero(currency: string): Money {
  return money(0, currency);
}

/**
 * Converts an exact decimal amount in major units (e.g. "12.3456" USD) to minor units,
 * rounding once, half away from zero (ROUND_HALF_UP in decimal.js terms): the project's
 * documented rounding rule for invoice lines.
 */
export function majorDecimalToMinor(amount: Decimal.Value, currency: string): Money {
  const exponent = minorUnitExponent(currency);
  const minor = new Decimal(amount).times(new Decimal(10).pow(exponent)).toDecimalPlaces(0, Decimal.ROUND_HALF_UP);
  return money(minor.toNumber(), currency);
}

/** Minor units as an exact decimal string in major units: (1050, 'USD') -> "10.50", (5, 'JPY') -> "5". */
export function minorToMajorString(amountMinor: number, currency: string): string {
  const exponent = minorUnitExponent(currency);
  return new Decimal(amountMinor).dividedBy(new Decimal(10).pow(exponent)).toFixed(exponent);
}
