import { CurrencyCode } from '@billing/money';
import { SkipReason } from './decide-charge';

/** One charge attempt of an invoice (PK invoice + attempt) and the shapes written to it. */

export type AttemptStatus = 'pending' | 'succeeded' | 'failed' | 'skipped';

export interface AttemptRow {
  invoiceId: string;
  attempt: number;
  idempotencyKey: string;
  status: AttemptStatus;
  amountMinor: number;
  currency: CurrencyCode;
  providerAmount: number | null;
  providerCurrency: string | null;
  /** The instrument the attempt charged (the account's at the time); null when skipped or from before the column. */
  paymentMethodId: string | null;
  providerCustomerId: string | null;
  providerPaymentIntentId: string | null;
  providerChargeId: string | null;
  errorCode: string | null;
  declineCode: string | null;
  errorMessage: string | null;
  retryable: boolean | null;
  skipReason: SkipReason | null;
  resolvedBy: 'consumer' | 'webhook' | null;
  requestedByEventId: string;
  correlationId: string;
  requestedAt: string;
  resolvedAt: string | null;
}

/** A new attempt: pending (before the provider call) or skipped (no provider call at all). */
export interface NewAttempt {
  invoiceId: string;
  attempt: number;
  idempotencyKey: string;
  amountMinor: number;
  currency: string;
  providerAmount: number | null;
  providerCurrency: string | null;
  paymentMethodId: string | null;
  providerCustomerId: string | null;
  skipReason: SkipReason | null;
  requestedByEventId: string;
  correlationId: string;
}

/** The final outcome of a pending attempt. */
export interface AttemptResolution {
  invoiceId: string;
  attempt: number;
  status: 'succeeded' | 'failed';
  providerPaymentIntentId: string | null;
  providerChargeId: string | null;
  errorCode: string | null;
  declineCode: string | null;
  errorMessage: string | null;
  retryable: boolean | null;
}

/** Map key of an attempt. */
export const attemptKey = (invoiceId: string, attempt: number) => `${invoiceId}#${attempt}`;
