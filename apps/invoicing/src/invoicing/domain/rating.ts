import Decimal from 'decimal.js';
import { z } from 'zod';
import { invoiceLineV1 } from '@billing/events';
import { collectibleIncrementMinor, majorDecimalToMinor, minorUnitExponent } from '@billing/money';
import { Period, comparePeriods, periodLabel } from './billing-period';

/**
 * Rating: usage records and a price list in, invoice lines out.
 *
 * ROUNDING RULE (the documented one): quantities are summed exactly and multiplied by the unit
 * price exactly (decimal arithmetic, never floats); a monthly cap, where the product has one, is
 * applied to that exact amount; the result is rounded ONCE per line to the currency's collectible
 * increment, half away from zero: the minor unit for most currencies (0.125 USD -> 13 cents,
 * 100.5 JPY -> 101 yen), ten fils for three-decimal currencies, which card networks settle only
 * in multiples of 0.010 (0.0050 KWD -> 0.010, 0.0049 -> 0.000, 0.1845 -> 0.180).
 * Nothing is rounded per usage record, and the invoice subtotal is the sum of rounded lines.
 */

export type ProductUnit = 'hour' | 'GB-month' | 'request' | 'seat';

export interface ProductPrice {
  /** Exact decimal in major units, may be finer than the minor unit, e.g. "0.00744". */
  readonly unitPrice: string;
  /** Most one resource is billed for this product in one month, major units; none when absent or null. */
  readonly monthlyCapPerResource?: string | null;
}

export interface Product {
  readonly sku: string;
  readonly description: string;
  readonly unit: ProductUnit;
  /** Keyed by ISO 4217 currency code. */
  readonly prices: Readonly<Record<string, ProductPrice>>;
}

export interface UsageRecord {
  readonly usageId: string;
  readonly sku: string;
  readonly resourceId: string;
  /** Exact decimal string. */
  readonly quantity: string;
  readonly occurredAt: string;
}

/** Usage of an earlier period that arrived after that period's invoice was issued. */
export interface LateUsageRecord extends UsageRecord {
  readonly usagePeriod: Period;
}

/**
 * Quantity of a (sku, resource, period) already billed on earlier invoices. Only needed for late
 * usage of capped products: the late line is billed only up to what remains under the cap.
 */
export interface InvoicedQuantity {
  readonly sku: string;
  readonly resourceId: string;
  readonly usagePeriod: Period;
  readonly quantity: string;
}

export interface RateUsageInput {
  readonly currency: string;
  readonly products: readonly Product[];
  /** Usage of `period` (the caller selects it with `periodBounds` in the account's zone). */
  readonly usage: readonly UsageRecord[];
  readonly period: Period;
  readonly lateUsage?: readonly LateUsageRecord[];
  readonly alreadyInvoiced?: readonly InvoicedQuantity[];
}

export type InvoiceLine = z.infer<typeof invoiceLineV1>;

export type RatingFailure =
  | { readonly ok: false; readonly code: 'price_missing'; readonly sku: string; readonly currency: string }
  | { readonly ok: false; readonly code: 'product_unknown'; readonly sku: string }
  | {
      readonly ok: false;
      readonly code: 'late_usage_not_earlier';
      readonly usageId: string;
      readonly usagePeriod: Period;
      readonly period: Period;
    }
  | { readonly ok: false; readonly code: 'usage_conflict'; readonly usageId: string }
  | { readonly ok: false; readonly code: 'negative_quantity'; readonly lineId: string; readonly quantity: string }
  | AmountOutOfRange;

/**
 * A line, or the sum of an invoice's lines, would not fit a safe integer of minor units. The
 * edge bounds each record and price, but many in-bound records can still add up past it: the
 * account is reported, never rated with a wrong amount (and rating never throws for it).
 */
export interface AmountOutOfRange {
  readonly ok: false;
  readonly code: 'amount_out_of_range';
  /** The line that overflowed; null when the lines fit but their sum does not. */
  readonly lineId: string | null;
  /** The exact amount in major units of `currency`. */
  readonly amount: string;
  readonly currency: string;
}

export type RatingResult = { readonly ok: true; readonly lines: InvoiceLine[] } | RatingFailure;

/** Enough precision that sums and products of realistic decimal strings are exact. */
const Exact = Decimal.clone({ precision: 200, rounding: Decimal.ROUND_HALF_UP });
type Exact = InstanceType<typeof Exact>;

const DECIMAL = /^-?\d+(\.\d+)?$/;

function exact(value: string, what: string): Exact {
  if (!DECIMAL.test(value)) throw new RangeError(`${what} must be a decimal string, got ${JSON.stringify(value)}`);
  return new Exact(value);
}

/** Plain notation, never exponent notation (the event's decimalString rejects "1e-7"). */
function decimalString(value: Exact): string {
  return value.toFixed();
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function lineIdOf(sku: string, resourceId: string, usagePeriod: Period): string {
  return `${sku}:${resourceId}:${usagePeriod}`;
}

/**
 * The one rounding of a line: exact major amount -> collectible increments, half away from zero.
 * Null when the rounded amount is not a safe integer of minor units.
 */
export function roundLineAmount(amount: Decimal.Value, currency: string): number | null {
  const exponent = minorUnitExponent(currency);
  const increment = collectibleIncrementMinor(currency);
  const increments = new Exact(amount).times(new Exact(10).pow(exponent)).dividedBy(increment).toDecimalPlaces(0, Exact.ROUND_HALF_UP);
  if (increments.times(increment).abs().greaterThan(Number.MAX_SAFE_INTEGER)) return null;
  const rounded = increments.times(increment).dividedBy(new Exact(10).pow(exponent));
  // Already on the minor-unit grid, so the money library's own half-up rounding is the identity here.
  return majorDecimalToMinor(rounded.toFixed(exponent), currency).amountMinor;
}

/** The sum of lines' minor amounts, or `amount_out_of_range` when it leaves a safe integer. */
export function sumLineAmounts(
  lines: readonly { readonly amountMinor: number }[],
  currency: string,
): { readonly ok: true; readonly amountMinor: number } | AmountOutOfRange {
  let sum = 0;
  for (const line of lines) {
    sum += line.amountMinor;
    if (!Number.isSafeInteger(sum)) {
      const exact = lines.reduce((total, l) => total.plus(l.amountMinor), new Exact(0));
      const amount = decimalString(exact.dividedBy(new Exact(10).pow(minorUnitExponent(currency))));
      return { ok: false, code: 'amount_out_of_range', lineId: null, amount, currency };
    }
  }
  return { ok: true, amountMinor: sum };
}

interface Group {
  readonly sku: string;
  readonly resourceId: string;
  readonly usagePeriod: Period;
  readonly late: boolean;
  quantity: Exact;
}

type Keyed = { readonly record: UsageRecord; readonly usagePeriod: Period; readonly late: boolean };

function sameRecord(a: Keyed, b: Keyed): boolean {
  return (
    a.record.sku === b.record.sku &&
    a.record.resourceId === b.record.resourceId &&
    a.record.occurredAt === b.record.occurredAt &&
    a.usagePeriod === b.usagePeriod &&
    exact(a.record.quantity, 'quantity').equals(exact(b.record.quantity, 'quantity'))
  );
}

function indexProducts(products: readonly Product[]): Map<string, Product> {
  const bySku = new Map<string, Product>();
  for (const product of products) {
    if (bySku.has(product.sku)) throw new RangeError(`price list has sku ${product.sku} twice`);
    bySku.set(product.sku, product);
  }
  return bySku;
}

/** Rates a period's usage (and late usage of earlier periods) into deterministic invoice lines. */
export function rateUsage(input: RateUsageInput): RatingResult {
  const { currency, period } = input;
  const products = indexProducts(input.products);

  const all: Keyed[] = [
    ...input.usage.map((record) => ({ record, usagePeriod: period, late: false })),
    ...(input.lateUsage ?? []).map((record) => ({ record, usagePeriod: record.usagePeriod, late: true })),
  ].sort((a, b) => compareStrings(a.record.usageId, b.record.usageId));

  // A usage id counts once (a retried upload); the same id with different facts is a conflict.
  const unique = new Map<string, Keyed>();
  for (const keyed of all) {
    const seen = unique.get(keyed.record.usageId);
    if (seen) {
      if (!sameRecord(seen, keyed)) return { ok: false, code: 'usage_conflict', usageId: keyed.record.usageId };
      continue;
    }
    if (keyed.late && comparePeriods(keyed.usagePeriod, period) >= 0) {
      return {
        ok: false,
        code: 'late_usage_not_earlier',
        usageId: keyed.record.usageId,
        usagePeriod: keyed.usagePeriod,
        period,
      };
    }
    unique.set(keyed.record.usageId, keyed);
  }

  const groups = new Map<string, Group>();
  for (const { record, usagePeriod, late } of unique.values()) {
    const lineId = lineIdOf(record.sku, record.resourceId, usagePeriod);
    const group = groups.get(lineId);
    const quantity = exact(record.quantity, `quantity of usage ${record.usageId}`);
    if (group) group.quantity = group.quantity.plus(quantity);
    else groups.set(lineId, { sku: record.sku, resourceId: record.resourceId, usagePeriod, late, quantity });
  }

  const invoicedBefore = new Map<string, Exact>();
  for (const invoiced of input.alreadyInvoiced ?? []) {
    const lineId = lineIdOf(invoiced.sku, invoiced.resourceId, invoiced.usagePeriod);
    const previous = invoicedBefore.get(lineId) ?? new Exact(0);
    invoicedBefore.set(lineId, previous.plus(exact(invoiced.quantity, `already invoiced quantity of ${lineId}`)));
  }

  const ordered = [...groups.values()].sort(
    (a, b) =>
      comparePeriods(a.usagePeriod, b.usagePeriod) ||
      compareStrings(a.sku, b.sku) ||
      compareStrings(a.resourceId, b.resourceId),
  );

  const lines: InvoiceLine[] = [];
  for (const group of ordered) {
    const lineId = lineIdOf(group.sku, group.resourceId, group.usagePeriod);
    const product = products.get(group.sku);
    if (!product) return { ok: false, code: 'product_unknown', sku: group.sku };
    const price = product.prices[currency];
    if (!price) return { ok: false, code: 'price_missing', sku: group.sku, currency };
    if (group.quantity.isNegative() && !group.quantity.isZero()) {
      return { ok: false, code: 'negative_quantity', lineId, quantity: decimalString(group.quantity) };
    }

    const unitPrice = exact(price.unitPrice, `unit price of ${group.sku} in ${currency}`);
    const cap =
      price.monthlyCapPerResource === undefined || price.monthlyCapPerResource === null
        ? null
        : exact(price.monthlyCapPerResource, `monthly cap of ${group.sku} in ${currency}`);
    const before = invoicedBefore.get(lineId) ?? new Exact(0);
    const billedBefore = before.times(unitPrice);
    const billedAfter = before.plus(group.quantity).times(unitPrice);
    const capped = cap !== null && billedAfter.greaterThan(cap);
    const amount = capped ? Exact.max(cap.minus(Exact.min(billedBefore, cap)), 0) : billedAfter.minus(billedBefore);

    const amountMinor = roundLineAmount(amount, currency);
    if (amountMinor === null) {
      return { ok: false, code: 'amount_out_of_range', lineId, amount: decimalString(amount), currency };
    }
    lines.push({
      lineId,
      sku: group.sku,
      description: group.late
        ? `${product.description} — ${periodLabel(group.usagePeriod)} usage (late)`
        : product.description,
      resourceId: group.resourceId,
      unit: product.unit,
      quantity: decimalString(group.quantity),
      unitPrice: price.unitPrice,
      amountMinor,
      capped,
      usagePeriod: group.usagePeriod,
    });
  }
  const subtotal = sumLineAmounts(lines, currency);
  if (!subtotal.ok) return subtotal;
  return { ok: true, lines };
}
