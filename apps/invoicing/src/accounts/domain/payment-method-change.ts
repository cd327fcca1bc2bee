import { AccountPaymentMethodChangedV1, PayloadOf } from '@billing/events';
import { Account } from './account';

export type PaymentMethodChanged = PayloadOf<typeof AccountPaymentMethodChangedV1>;

/**
 * The AccountPaymentMethodChanged payload an account write calls for, or null when the payment
 * instrument (payment method or provider customer) did not change. An account created with
 * either is a change from nothing. `changedAt` is the write's clock.
 */
export function decidePaymentMethodChange(before: Account | null, after: Account, changedAt: string): PaymentMethodChanged | null {
  const previousMethod = before?.paymentMethodId ?? null;
  const previousCustomer = before?.providerCustomerId ?? null;
  if (after.paymentMethodId === previousMethod && after.providerCustomerId === previousCustomer) return null;
  return {
    paymentMethodId: after.paymentMethodId,
    providerCustomerId: after.providerCustomerId,
    previousPaymentMethodId: previousMethod,
    changedAt,
  };
}
