import { invalidRequest } from './api-error';
import type { FormParams, FormValue } from './form-body';
import type { Metadata } from './state';

/** Stripe refuses parameters it does not know; so does the sandbox, to catch typos early. */
export function rejectUnknownParams(params: FormParams, allowed: readonly string[]): void {
  for (const name of Object.keys(params)) {
    if (name !== 'expand' && !allowed.includes(name)) {
      throw invalidRequest(`Received unknown parameter: ${name}`, name, 'parameter_unknown');
    }
  }
}

export function optionalString(params: FormParams, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${name} must be a string`, name, 'parameter_invalid_string');
  return value;
}

export function requiredString(params: FormParams, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined || value === '') {
    throw invalidRequest(`Missing required param: ${name}.`, name, 'parameter_missing');
  }
  return value;
}

export function optionalBoolean(params: FormParams, name: string): boolean {
  const value = optionalString(params, name);
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw invalidRequest(`Invalid boolean: ${value}`, name, 'parameter_invalid_boolean');
}

export function optionalInteger(params: FormParams, name: string): number | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw invalidRequest(`Invalid integer: ${value}`, name, 'parameter_invalid_integer');
  }
  return Number(value);
}

export function metadataParam(params: FormParams): Metadata {
  const value: FormValue | undefined = params.metadata;
  if (value === undefined || value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidRequest('Invalid object: metadata must be a hash', 'metadata', 'parameter_invalid_object');
  }
  const entries = Object.entries(value);
  if (entries.length > 50) throw invalidRequest('Metadata can have at most 50 keys.', 'metadata');
  const metadata: Metadata = {};
  for (const [key, item] of entries) {
    if (typeof item !== 'string') throw invalidRequest(`Invalid metadata value for ${key}`, `metadata[${key}]`);
    if (key.length > 40) throw invalidRequest('Metadata keys can be at most 40 characters.', `metadata[${key}]`);
    if (item.length > 500) throw invalidRequest('Metadata values can be at most 500 characters.', `metadata[${key}]`);
    metadata[key] = item;
  }
  return metadata;
}
