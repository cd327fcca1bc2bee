import { isCurrencyCode, minorUnitExponent } from '@billing/money';

/**
 * Turning an invoice amount (integer minor units of an ISO 4217 currency) into the `amount`
 * and `currency` Stripe's API expects. Stripe's unit per currency is not always the ISO minor
 * unit, so this is our own table from docs.stripe.com/currencies — never Intl.
 *
 * | Stripe treats it as  | currencies                                             | provider amount            |
 * |----------------------|--------------------------------------------------------|----------------------------|
 * | zero-decimal         | BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF | whole units                |
 * | three-decimal        | BHD JOD KWD OMR TND                                    | thousandths, last digit 0  |
 * | two-decimal (compat) | ISK UGX (zero-decimal in ISO)                          | whole units × 100          |
 * | two-decimal          | HUF TWD and every other supported currency             | hundredths                 |
 *
 * Decisions:
 * - Three-decimal amounts that do not end in 0 are refused with a coded outcome, not rounded:
 *   an issued invoice amount is what it is, and rounding belongs to invoicing, before issue.
 * - HUF and TWD are sent as they are (hundredths). Stripe requires whole units only for
 *   payouts in those currencies, not for charges, so a HUF 175.50 charge is 17550.
 * - MGA has two ISO decimals in our table but is zero-decimal at Stripe: the minor amount must
 *   be a whole number of ariary (divisible by 100), otherwise `not_whole_provider_units`.
 * - An amount must be a positive safe integer; zero is not a charge.
 */
export type ProviderAmountFailureCode =
  | 'invalid_amount'
  | 'unknown_currency'
  | 'currency_not_supported_by_provider'
  | 'three_decimal_not_multiple_of_ten'
  | 'not_whole_provider_units'
  | 'amount_too_large';

export type ProviderAmount =
  | { readonly ok: true; readonly amount: number; readonly currency: string }
  | { readonly ok: false; readonly code: ProviderAmountFailureCode; readonly message: string };

const ZERO_DECIMAL = new Set([
  'BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'VND', 'VUV', 'XAF', 'XOF', 'XPF',
]);
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);
/** Zero-decimal in ISO, but Stripe keeps two decimals at the API for backwards compatibility. */
const TWO_DECIMAL_COMPAT = new Set(['ISK', 'UGX']);
/**
 * ISO codes Stripe does not accept as presentment currencies (fund codes, sanctioned or
 * unsupported markets). Any other ISO code is tried; Stripe refuses what it does not offer.
 */
const NOT_OFFERED = new Set(['CLF', 'CUP', 'IQD', 'IRR', 'KPW', 'LYD', 'SDG', 'SYP', 'UYI', 'UYW', 'VES', 'ZWG']);

/** Stripe's largest charge amount: eight digits in provider units. */
export const PROVIDER_MAXIMUM_AMOUNT = 99_999_999;

/** Decimal places Stripe's API uses for `amount` in this currency (upper-case ISO code). */
export function providerExponent(currency: string): number {
  if (ZERO_DECIMAL.has(currency)) return 0;
  if (THREE_DECIMAL.has(currency)) return 3;
  return 2;
}

/**
 * The largest invoice amount, in OUR minor units, that Stripe can charge in one payment: the
 * eight-digit maximum converted back through the currency's unit (JPY 99,999,999; USD and HUF
 * 999,999.99; KWD 99,999.990; ISK and UGX 999,999, sent ×100; MGA 99,999,999 ariary =
 * 9,999,999,900 of our minor units). Invoicing decides at issue time that a larger invoice is
 * collected by hand, so payments never tries a charge Stripe would refuse.
 */
export function providerMaximumMinor(currency: string): number {
  const code = currency.toUpperCase();
  const shift = providerExponent(code) - minorUnitExponent(code);
  if (shift >= 0) {
    const divisor = 10 ** shift;
    const maximum = Math.floor(PROVIDER_MAXIMUM_AMOUNT / divisor);
    // Three-decimal currencies are charged in tens of thousandths: 99,999,999 is not chargeable.
    return THREE_DECIMAL.has(code) ? maximum - (maximum % 10) : maximum;
  }
  return PROVIDER_MAXIMUM_AMOUNT * 10 ** -shift;
}

/**
 * The smallest step, in our minor units, in which the provider takes amounts of the currency:
 * 10 for three-decimal currencies (thousandths ending in 0), 100 for MGA (zero-decimal at Stripe,
 * two ISO decimals), 1 otherwise. Every amount Stripe can take is a multiple of it, so a part of
 * an amount that must go to the provider (a refund) is rounded DOWN to it and the rest kept apart.
 */
export function providerStepMinor(currency: string): number {
  const code = currency.toUpperCase();
  const shift = providerExponent(code) - minorUnitExponent(code);
  if (shift < 0) return 10 ** -shift;
  return THREE_DECIMAL.has(code) ? 10 : 1;
}

/** True when the amount (minor units) is more than the provider can charge in one payment. */
export function isAboveProviderMaximum(amountMinor: number, currency: string): boolean {
  return amountMinor > providerMaximumMinor(currency);
}

export function toProviderAmount(amountMinor: number, currency: string): ProviderAmount {
  const code = currency.toUpperCase();
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
    return fail('invalid_amount', `amount must be a positive integer of minor units, got ${amountMinor}`);
  }
  if (!isCurrencyCode(code)) return fail('unknown_currency', `unknown ISO 4217 currency: ${currency}`);
  if (NOT_OFFERED.has(code)) {
    return fail('currency_not_supported_by_provider', `${code} is not a Stripe presentment currency`);
  }

  const shift = providerExponent(code) - minorUnitExponent(code);
  let amount: number;
  if (shift >= 0) {
    amount = amountMinor * 10 ** shift;
  } else {
    const divisor = 10 ** -shift;
    if (amountMinor % divisor !== 0) {
      return fail(
        'not_whole_provider_units',
        `${code} ${amountMinor} (minor units) is not a whole number of the unit Stripe charges in`,
      );
    }
    amount = amountMinor / divisor;
  }

  if (THREE_DECIMAL.has(code) && amount % 10 !== 0) {
    return fail(
      'three_decimal_not_multiple_of_ten',
      `${code} amounts must end in 0 at Stripe (thousandths rounded to ten); got ${amount}`,
    );
  }
  if (TWO_DECIMAL_COMPAT.has(code) && amount % 100 !== 0) {
    // Unreachable with the ISO table (exponent 0 → ×100), kept as a guard if the table changes.
    return fail('not_whole_provider_units', `${code} amounts must be whole units at Stripe; got ${amount}`);
  }
  if (amount > PROVIDER_MAXIMUM_AMOUNT) {
    return fail('amount_too_large', `${code} ${amount} exceeds Stripe's maximum of ${PROVIDER_MAXIMUM_AMOUNT}`);
  }
  return { ok: true, amount, currency: code.toLowerCase() };
}

function fail(code: ProviderAmountFailureCode, message: string): ProviderAmount {
  return { ok: false, code, message };
}
