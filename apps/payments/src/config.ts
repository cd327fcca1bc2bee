import { loadConfig } from '@billing/messaging';

/** The payments service's configuration, validated once at start-up. */
export const paymentsConfigShape = {};

export function loadPaymentsConfig(env: Record<string, string | undefined>) {
  return loadConfig('payments', 3002, paymentsConfigShape, env);
}

export type PaymentsConfig = ReturnType<typeof loadPaymentsConfig>;
