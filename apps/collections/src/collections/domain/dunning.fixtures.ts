/** Test-only builders for the dunning domain specs. Not imported by production code. */
import { ChargeFailure, ChargeSucceededPayload } from './dunning-case';
import { addMillis } from './instant';

export const DAY_MS = 24 * 60 * 60 * 1000;
export const ACCOUNT_ID = '7b0e5f0a-1c2d-4e3f-8a9b-0c1d2e3f4a5b';
export const INVOICE_A = '11111111-1111-4111-8111-111111111111';
export const INVOICE_B = '22222222-2222-4222-8222-222222222222';
export const T0 = '2026-12-01T09:00:00.000Z';

export function at(offsetMs: number, from = T0): string {
  return addMillis(from, offsetMs);
}

/** A deterministic uuid generator: 00000000-0000-4000-8000-000000000001, …002, … */
export function sequentialIds(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
}

export function chargeFailed(overrides: Partial<ChargeFailure> = {}): ChargeFailure {
  return {
    accountId: ACCOUNT_ID,
    invoiceId: INVOICE_A,
    invoiceNumber: 'INV-2026-11-0001',
    attempt: 1,
    amountMinor: 1000,
    currency: 'USD',
    errorCode: 'card_declined',
    declineCode: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
    retryable: true,
    providerPaymentIntentId: 'pi_test_1',
    failedAt: T0,
    dueAt: '2026-12-15T08:00:00.000Z',
    customer: { name: 'Ada Lovelace', email: 'ada@example.com', timeZone: 'America/Los_Angeles', locale: 'en-US' },
    ...overrides,
  };
}

export function chargeSucceeded(overrides: Partial<ChargeSucceededPayload> = {}): ChargeSucceededPayload {
  return {
    invoiceId: INVOICE_A,
    invoiceNumber: 'INV-2026-11-0001',
    attempt: 2,
    amountMinor: 1000,
    currency: 'USD',
    providerPaymentIntentId: 'pi_test_1',
    providerChargeId: 'ch_test_1',
    succeededAt: at(DAY_MS),
    ...overrides,
  };
}
