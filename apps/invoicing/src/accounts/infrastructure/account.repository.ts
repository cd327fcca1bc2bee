import { EntityManager } from 'typeorm';
import { toSafeInteger, toUtcIso } from '@billing/messaging';
import { Account, AccountStatus } from '../domain/account';

export interface AccountRow {
  account_id: string;
  name: string;
  billing_email: string;
  currency: string;
  time_zone: string;
  locale: string;
  provider_customer_id: string | null;
  payment_method_id: string | null;
  credit_balance_minor: string;
  status: AccountStatus;
  created_at: Date;
  updated_at: Date;
}

export const ACCOUNT_COLUMNS = `account_id, name, billing_email, currency, time_zone, locale, provider_customer_id,
  payment_method_id, credit_balance_minor, status, created_at, updated_at`;

export function toAccount(row: AccountRow): Account {
  return {
    accountId: row.account_id,
    name: row.name,
    billingEmail: row.billing_email,
    currency: row.currency,
    timeZone: row.time_zone,
    locale: row.locale,
    providerCustomerId: row.provider_customer_id,
    paymentMethodId: row.payment_method_id,
    creditBalanceMinor: toSafeInteger(row.credit_balance_minor, 'credit_balance_minor'),
    status: row.status,
    createdAt: toUtcIso(row.created_at),
    updatedAt: toUtcIso(row.updated_at),
  };
}

/** The values of account_id through status, in ACCOUNT_COLUMNS order: parameters $1 to $10 of insert and update. */
function accountValues(account: Account): unknown[] {
  return [
    account.accountId,
    account.name,
    account.billingEmail,
    account.currency,
    account.timeZone,
    account.locale,
    account.providerCustomerId,
    account.paymentMethodId,
    account.creditBalanceMinor,
    account.status,
  ];
}

/** SQL access to the accounts table; every call runs in the caller's transaction (`manager`). */
export const accountRepository = {
  async insert(manager: EntityManager, account: Account): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO accounts (${ACCOUNT_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (account_id) DO NOTHING RETURNING account_id`,
      [...accountValues(account), account.createdAt, account.updatedAt],
    );
    return rows.length === 1;
  },

  async findById(manager: EntityManager, accountId: string, forUpdate = false): Promise<Account | null> {
    const rows: AccountRow[] = await manager.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE account_id = $1 ${forUpdate ? 'FOR UPDATE' : ''}`,
      [accountId],
    );
    return rows.length ? toAccount(rows[0]) : null;
  },

  async update(manager: EntityManager, account: Account): Promise<void> {
    await manager.query(
      `UPDATE accounts SET name = $2, billing_email = $3, currency = $4, time_zone = $5, locale = $6,
         provider_customer_id = $7, payment_method_id = $8, credit_balance_minor = $9, status = $10, updated_at = $11
       WHERE account_id = $1`,
      [...accountValues(account), account.updatedAt],
    );
  },

  /** Keyset page ordered by account id: `after` is the previous page's last id. */
  async page(
    manager: EntityManager,
    { after, limit, status }: { after: string | null; limit: number; status?: AccountStatus },
  ): Promise<Account[]> {
    const rows: AccountRow[] = await manager.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts
       WHERE ($1::uuid IS NULL OR account_id > $1::uuid) AND ($2::text IS NULL OR status = $2::text)
       ORDER BY account_id LIMIT $3`,
      [after, status ?? null, limit],
    );
    return rows.map(toAccount);
  },

  /** Zones of the given accounts (usage validation), share-locked in id order (the order month-close pages lock them in). */
  async zonesOf(manager: EntityManager, accountIds: readonly string[]): Promise<Map<string, { timeZone: string }>> {
    if (accountIds.length === 0) return new Map();
    const rows: { account_id: string; time_zone: string }[] = await manager.query(
      `SELECT account_id, time_zone FROM accounts WHERE account_id = ANY($1::uuid[]) ORDER BY account_id FOR SHARE`,
      [accountIds],
    );
    return new Map(rows.map((r) => [r.account_id, { timeZone: r.time_zone }]));
  },
};
