import { isCurrencyCode } from '@billing/money';

/**
 * The smallest amount Stripe will charge, per currency, in OUR minor units (ISO exponent from
 * @billing/money — so JPY 50 is 50, HUF 175.00 is 17500, KWD 0.310 is 310, ISK 150 is 150).
 *
 * - `stripe_documented`: the figures Stripe publishes (docs.stripe.com/currencies, "Minimum
 *   and maximum charge amounts").
 * - `project_estimate`: Stripe's rule for other currencies is "the equivalent of USD 0.50",
 *   converted at the day's rate into the settlement currency. We hold no FX rates in the domain,
 *   so these are fixed, deliberately conservative estimates of about USD 1.00 (twice Stripe's
 *   floor) at 2025 rates: we may decline to charge an amount Stripe would have taken, but we
 *   should not send one it refuses. Revisit them if a currency moves by half.
 * - A currency in neither list has no known minimum: `isBelowProviderMinimum` answers false and
 *   Stripe's own `amount_too_small` refusal (classified as a coded bug) is the backstop.
 */
export type MinimumSource = 'stripe_documented' | 'project_estimate';

export interface ProviderMinimum {
  readonly amountMinor: number;
  readonly source: MinimumSource;
}

const DOCUMENTED: Readonly<Record<string, number>> = {
  USD: 50, AED: 200, AUD: 50, BGN: 100, BRL: 50, CAD: 50, CHF: 50, CZK: 1500, DKK: 250,
  EUR: 50, GBP: 30, HKD: 400, HUF: 17500, INR: 50, JPY: 50, MXN: 1000, MYR: 200, NOK: 300,
  NZD: 50, PLN: 200, RON: 200, SEK: 300, SGD: 50, THB: 1000,
};

/** About USD 1.00 each, in minor units of the currency's ISO exponent. */
const ESTIMATED: Readonly<Record<string, number>> = {
  // three-decimal
  BHD: 380, JOD: 710, KWD: 310, OMR: 390, TND: 3200,
  // zero-decimal in ISO
  BIF: 3000, CLP: 1000, DJF: 180, GNF: 8700, ISK: 150, KMF: 460, KRW: 1500, PYG: 8000,
  RWF: 1500, UGX: 3800, VND: 26000, VUV: 120, XAF: 600, XOF: 600, XPF: 110,
  // two-decimal
  ARS: 150000, CNY: 730, COP: 420000, EGP: 5100, IDR: 1700000, ILS: 380, KES: 13000,
  KZT: 52000, MAD: 1000, MGA: 460000, NGN: 160000, PEN: 380, PHP: 5800, PKR: 28000,
  QAR: 370, SAR: 380, TRY: 4200, TWD: 3300, UAH: 4200, ZAR: 1900, LKR: 30000, BDT: 12200,
};

export function providerMinimumCharge(currency: string): ProviderMinimum | undefined {
  const code = currency.toUpperCase();
  if (!isCurrencyCode(code)) return undefined;
  const documented = DOCUMENTED[code];
  if (documented !== undefined) return { amountMinor: documented, source: 'stripe_documented' };
  const estimated = ESTIMATED[code];
  if (estimated !== undefined) return { amountMinor: estimated, source: 'project_estimate' };
  return undefined;
}

/** True when Stripe would (or, for estimated currencies, might) refuse the amount as too small. */
export function isBelowProviderMinimum(amountMinor: number, currency: string): boolean {
  const minimum = providerMinimumCharge(currency);
  return minimum !== undefined && amountMinor < minimum.amountMinor;
}
