import { CURRENCY_CODES } from '@billing/money';

/**
 * The sandbox's own copy of Stripe's amount rules (docs.stripe.com/currencies). It is kept
 * apart from the payments service's table on purpose: the sandbox plays Stripe, so a mistake
 * in the service's conversion shows up as a refused request instead of being mirrored.
 *
 * All amounts here are in Stripe's API units ("provider units"), not the project's minor units.
 */

/** ISO codes Stripe does not offer as presentment currencies (sanctions, fund codes, no market). */
const NOT_OFFERED = new Set(['cuc', 'cup', 'irr', 'kpw', 'syp', 'sdg', 'clf', 'uyw', 'uyi', 'ves', 'zwg', 'iqd', 'lyd']);

export const SUPPORTED_CURRENCIES: ReadonlySet<string> = new Set(
  CURRENCY_CODES.map((c) => c.toLowerCase()).filter((c) => !NOT_OFFERED.has(c)),
);

/** Three-decimal currencies: the API takes thousandths, but the last digit must be 0. */
export const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/**
 * Zero-decimal in ISO terms but sent with two decimals for backwards compatibility, so the
 * API amount must be a multiple of 100 (5 ISK is `amount=500`).
 */
export const TWO_DECIMAL_AT_API_WHOLE_UNITS = new Set(['isk', 'ugx']);

/** Stripe's documented minimum charge amounts, in API units. */
const DOCUMENTED_MINIMUMS: Readonly<Record<string, number>> = {
  usd: 50, aed: 200, aud: 50, bgn: 100, brl: 50, cad: 50, chf: 50, czk: 1500, dkk: 250,
  eur: 50, gbp: 30, hkd: 400, huf: 17500, inr: 50, jpy: 50, mxn: 1000, myr: 200, nok: 300,
  nzd: 50, pln: 200, ron: 200, sek: 300, sgd: 50, thb: 1000,
};

/**
 * For other currencies Stripe enforces "the equivalent of USD 0.50" at the day's rate. The
 * sandbox uses fixed approximations (rounded, roughly 2025 rates) for the currencies the
 * project tests and 1 API unit for the rest: it is a test double, not an FX source.
 */
const APPROXIMATE_MINIMUMS: Readonly<Record<string, number>> = {
  kwd: 160, bhd: 190, jod: 360, omr: 200, tnd: 1600, krw: 700, isk: 7000, ugx: 190000,
  twd: 1600, clp: 500, vnd: 13000, idr: 800000, zar: 900, cny: 400, ils: 200, try: 2000,
  php: 3000, sar: 200, qar: 200, egp: 2500, ngn: 80000, kes: 6500, pkr: 14000,
};

export function minimumChargeAmount(currency: string): number {
  return DOCUMENTED_MINIMUMS[currency] ?? APPROXIMATE_MINIMUMS[currency] ?? 1;
}

/** Stripe's largest amount for a charge (eight digits in API units). */
export const MAXIMUM_AMOUNT = 99_999_999;
