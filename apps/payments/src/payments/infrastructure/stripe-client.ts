import Stripe from 'stripe';
import type { PaymentsConfig } from '../../config';

/** The sandbox accepts any well-formed test key; used only when no real key is configured. */
export const SANDBOX_SECRET_KEY = 'sk_test_sandbox';

export const STRIPE = Symbol('STRIPE');

/** What the client is made of (plain data: the provider thread gets it as its workerData). */
export type StripeClientSettings = Pick<
  PaymentsConfig,
  'STRIPE_SECRET_KEY' | 'STRIPE_API_HOST' | 'STRIPE_API_PORT' | 'STRIPE_API_PROTOCOL' | 'STRIPE_MAX_NETWORK_RETRIES' | 'STRIPE_TIMEOUT_MS'
>;

/**
 * The official SDK. With STRIPE_SECRET_KEY it talks to Stripe; without one, to the local
 * Stripe-compatible sandbox through the SDK's host/port/protocol options.
 */
export function createStripeClient(config: StripeClientSettings): Stripe {
  const common = { maxNetworkRetries: config.STRIPE_MAX_NETWORK_RETRIES, timeout: config.STRIPE_TIMEOUT_MS };
  if (config.STRIPE_SECRET_KEY) return new Stripe(config.STRIPE_SECRET_KEY, common);
  return new Stripe(SANDBOX_SECRET_KEY, {
    ...common,
    host: config.STRIPE_API_HOST,
    port: config.STRIPE_API_PORT,
    protocol: config.STRIPE_API_PROTOCOL,
  });
}
