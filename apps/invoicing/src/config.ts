import { loadConfig } from '@billing/messaging';

/** The invoicing service's configuration, validated once at start-up. */
export const invoicingConfigShape = {};

export function loadInvoicingConfig(env: Record<string, string | undefined>) {
  return loadConfig('invoicing', 3001, invoicingConfigShape, env);
}

export type InvoicingConfig = ReturnType<typeof loadInvoicingConfig>;
