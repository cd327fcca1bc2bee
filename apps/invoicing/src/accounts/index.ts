/**
 * What the accounts module publishes to the other modules of invoicing (month close, usage).
 * They import from here, never from accounts/infrastructure/ directly (a lint rule checks it).
 */
export { ACCOUNT_COLUMNS, accountRepository, toAccount, type AccountRow } from './infrastructure/account.repository';
