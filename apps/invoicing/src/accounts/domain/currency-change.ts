import { Account } from './account';

/** What invoicing knows of an account's money when its currency is to change. */
export interface AccountMoneyState {
  /** Issued invoices with an amount still to collect (not nothing_due, not carried forward). */
  readonly unpaidInvoices: number;
  /** Below-minimum totals waiting for the next invoice. */
  readonly pendingCarriedBalances: number;
}

export type CurrencyChangeRefusal = {
  readonly ok: false;
  readonly code: 'credit_balance_not_zero' | 'unpaid_invoices' | 'carried_balance_pending';
  readonly message: string;
};

/**
 * Whether the account's currency may change from `before` to `after`. Amounts the account holds
 * or owes are in its current currency; changing it under them would reprice them, so the change
 * is refused (with the first reason) until the credit is zero, every invoice is paid and no
 * carried balance waits. Not changing the currency is always allowed.
 */
export function decideCurrencyChange(before: Account, after: Account, money: AccountMoneyState): { readonly ok: true } | CurrencyChangeRefusal {
  if (after.currency === before.currency) return { ok: true };
  const from = `${before.currency} to ${after.currency}`;
  if (before.creditBalanceMinor !== 0) {
    return { ok: false, code: 'credit_balance_not_zero', message: `cannot change the currency ${from}: the account holds ${before.creditBalanceMinor} minor units of credit` };
  }
  if (money.unpaidInvoices > 0) {
    return { ok: false, code: 'unpaid_invoices', message: `cannot change the currency ${from}: ${money.unpaidInvoices} invoice(s) are unpaid` };
  }
  if (money.pendingCarriedBalances > 0) {
    return { ok: false, code: 'carried_balance_pending', message: `cannot change the currency ${from}: a balance below the provider minimum waits for the next invoice` };
  }
  return { ok: true };
}
