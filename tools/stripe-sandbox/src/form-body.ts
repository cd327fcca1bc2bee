import qs from 'qs';

/**
 * Stripe's v1 API takes `application/x-www-form-urlencoded` bodies with bracket notation
 * (`metadata[invoice_id]=inv_1`, `expand[]=latest_charge`). We parse them with `qs`, which is
 * what Stripe's own clients mirror.
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormParams = { [key: string]: FormValue };

export function parseForm(input: string): FormParams {
  if (input.length === 0) return {};
  return qs.parse(input, { depth: 5, arrayLimit: 100, parameterLimit: 1000, allowDots: false }) as FormParams;
}

/** A stable fingerprint of request parameters: key order does not matter, values do. */
export function fingerprint(params: FormParams): string {
  return JSON.stringify(sortKeys(params));
}

function sortKeys(value: FormValue): FormValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(sortKeys);
  const sorted: { [key: string]: FormValue } = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key]);
  return sorted;
}
