/** A customer account as invoicing keeps it. Money in minor units of `currency`. */
export type AccountStatus = 'active' | 'closed';

export interface Account {
  readonly accountId: string;
  readonly name: string;
  readonly billingEmail: string;
  readonly currency: string;
  /** IANA zone: the account's billing period is a calendar month here. */
  readonly timeZone: string;
  /** BCP 47 tag. */
  readonly locale: string;
  readonly providerCustomerId: string | null;
  readonly paymentMethodId: string | null;
  readonly creditBalanceMinor: number;
  readonly status: AccountStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
}
