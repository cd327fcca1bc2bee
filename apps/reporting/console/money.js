// Amounts arrive as integer minor units next to an ISO 4217 code. They are converted with the
// project's exponent table (served by the reporting service from libs/money) as exact decimal
// strings, formatted in the currency's own way, and never added across currencies.
let exponents = {};
const formatters = new Map();

export async function loadCurrencies() {
  const response = await fetch('/console/currencies.json');
  exponents = await response.json();
}

export function exponentOf(currency) {
  const exponent = exponents[currency];
  if (exponent === undefined) throw new Error(`unknown currency ${currency}`);
  return exponent;
}

/** The exact decimal string of a minor-unit amount: 123456 JPY → "123456", 1234 KWD → "1.234". */
export function minorToDecimal(minor, currency) {
  const exponent = exponentOf(currency);
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  const major = exponent ? `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}` : digits;
  return minor < 0 ? `-${major}` : major;
}

export function formatMoney(minor, currency) {
  const exponent = exponentOf(currency);
  let formatter = formatters.get(currency);
  if (!formatter) {
    formatter = new Intl.NumberFormat(undefined, {
      style: 'currency',
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    formatters.set(currency, formatter);
  }
  return formatter.format(minorToDecimal(minor, currency));
}

/** For chart axes only (a chart needs numbers); tables and tooltips use formatMoney. */
export function minorToChartNumber(minor, currency) {
  return Number(minorToDecimal(minor, currency));
}

const count = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
export function formatCount(n) {
  return n === null || n === undefined ? '—' : count.format(n);
}

const instant = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });
export function formatInstant(iso) {
  return iso ? `${instant.format(new Date(iso))} UTC` : '—';
}
