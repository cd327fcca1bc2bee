import { AccountPaymentMethodChangedV1 } from '@billing/events';
import { Account } from './account';
import { decideCurrencyChange } from './currency-change';
import { decidePaymentMethodChange } from './payment-method-change';

const at = '2026-11-20T12:00:00.000Z';
const account = (overrides: Partial<Account> = {}): Account => ({
  accountId: '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b',
  name: 'Ada',
  billingEmail: 'ada@example.com',
  currency: 'USD',
  timeZone: 'UTC',
  locale: 'en-US',
  providerCustomerId: 'cus_1',
  paymentMethodId: 'pm_1',
  creditBalanceMinor: 0,
  status: 'active',
  createdAt: at,
  updatedAt: at,
  ...overrides,
});

describe('deciding AccountPaymentMethodChanged', () => {
  it('announces the method of an account created with one, changed from nothing', () => {
    const change = decidePaymentMethodChange(null, account(), at);
    expect(change).toEqual({ paymentMethodId: 'pm_1', providerCustomerId: 'cus_1', previousPaymentMethodId: null, changedAt: at });
    expect(AccountPaymentMethodChangedV1.schema.safeParse(change).success).toBe(true);
  });

  it('announces nothing for an account created without a method or provider customer', () => {
    expect(decidePaymentMethodChange(null, account({ paymentMethodId: null, providerCustomerId: null }), at)).toBeNull();
  });

  it.each([
    ['a new payment method', { paymentMethodId: 'pm_2' }, 'pm_1'],
    ['a removed payment method', { paymentMethodId: null }, 'pm_1'],
    ['a new provider customer with the same method', { providerCustomerId: 'cus_2' }, 'pm_1'],
  ])('announces %s with the previous method', (_what, changes, previous) => {
    expect(decidePaymentMethodChange(account(), account(changes), at)).toMatchObject({ ...changes, previousPaymentMethodId: previous });
  });

  it('announces nothing when other fields change and the instrument stays', () => {
    expect(decidePaymentMethodChange(account(), account({ name: 'Ada King', currency: 'EUR' }), at)).toBeNull();
  });
});

const clear = { unpaidInvoices: 0, pendingCarriedBalances: 0 };

describe('deciding whether an account may change its currency', () => {
  it('allows a change when the account holds and owes nothing', () => {
    expect(decideCurrencyChange(account({ currency: 'KWD' }), account({ currency: 'JPY' }), clear)).toEqual({ ok: true });
  });

  it.each([
    ['credit on the account', { creditBalanceMinor: 5 }, clear, 'credit_balance_not_zero'],
    ['an unpaid invoice', {}, { ...clear, unpaidInvoices: 1 }, 'unpaid_invoices'],
    ['a carried balance waiting', {}, { ...clear, pendingCarriedBalances: 1 }, 'carried_balance_pending'],
    ['all three: the credit is named first', { creditBalanceMinor: 5 }, { unpaidInvoices: 2, pendingCarriedBalances: 1 }, 'credit_balance_not_zero'],
  ])('refuses a change with %s', (_what, before, money, code) => {
    expect(decideCurrencyChange(account({ currency: 'KWD', ...before }), account({ ...before, currency: 'JPY' }), money)).toMatchObject({ ok: false, code });
  });

  it('allows any other change while money is held, as long as the currency stays', () => {
    const before = account({ currency: 'KWD', creditBalanceMinor: 5 });
    expect(decideCurrencyChange(before, { ...before, name: 'Renamed' }, { unpaidInvoices: 1, pendingCarriedBalances: 1 })).toEqual({ ok: true });
  });
});
