/**
 * An account's current payment instrument as payments knows it (from
 * AccountPaymentMethodChanged). Every charge attempt uses the method current at the time of
 * the attempt; the invoice snapshot's method is only the fallback for an account payments
 * never heard of.
 */
export interface PaymentAccount {
  readonly accountId: string;
  readonly providerCustomerId: string | null;
  readonly paymentMethodId: string | null;
  /** When invoicing changed it (UTC ISO-8601). */
  readonly changedAt: string;
  readonly sourceEventId: string;
}

/**
 * Applies one method change: the newest `changedAt` wins, so an older change delivered late
 * (or replayed) changes nothing. Two changes at the same instant follow partition order.
 */
export function applyMethodChange(current: PaymentAccount | undefined, change: PaymentAccount): PaymentAccount {
  if (current !== undefined && Date.parse(change.changedAt) < Date.parse(current.changedAt)) return current;
  return change;
}

/** The instrument one attempt charges: the account's current one, else the invoice snapshot's. */
export function instrumentForAttempt(
  account: PaymentAccount | undefined,
  snapshot: { readonly providerCustomerId: string | null; readonly paymentMethodId: string | null },
): { providerCustomerId: string | null; paymentMethodId: string | null } {
  if (account === undefined) return { providerCustomerId: snapshot.providerCustomerId, paymentMethodId: snapshot.paymentMethodId };
  return { providerCustomerId: account.providerCustomerId, paymentMethodId: account.paymentMethodId };
}
