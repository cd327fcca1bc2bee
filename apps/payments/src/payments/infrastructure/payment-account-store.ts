import { EntityManager } from 'typeorm';
import { PaymentAccount } from '../domain/payment-account';

/** SQL of `payment_accounts`: each account's current payment method (bulk statements). */

interface PaymentAccountRecord {
  account_id: string;
  provider_customer_id: string | null;
  payment_method_id: string | null;
  changed_at: Date;
  source_event_id: string;
}

export async function findPaymentAccounts(manager: EntityManager, accountIds: readonly string[]): Promise<Map<string, PaymentAccount>> {
  if (accountIds.length === 0) return new Map();
  const rows: PaymentAccountRecord[] = await manager.query('SELECT * FROM payment_accounts WHERE account_id = ANY($1::text[])', [
    [...new Set(accountIds)],
  ]);
  return new Map(
    rows.map((r) => [
      r.account_id,
      {
        accountId: r.account_id,
        providerCustomerId: r.provider_customer_id,
        paymentMethodId: r.payment_method_id,
        changedAt: r.changed_at.toISOString(),
        sourceEventId: r.source_event_id,
      },
    ]),
  );
}

/**
 * Stores accounts' current methods. The newest `changed_at` wins here too, so a writer that
 * raced with a newer change (or replays an older one) cannot roll it back.
 */
export async function savePaymentAccounts(manager: EntityManager, accounts: readonly PaymentAccount[], now: Date): Promise<void> {
  if (accounts.length === 0) return;
  await manager.query(
    `INSERT INTO payment_accounts (account_id, provider_customer_id, payment_method_id, changed_at, source_event_id, updated_at)
     SELECT u.*, $6::timestamptz
     FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::uuid[]) AS u
     ON CONFLICT (account_id) DO UPDATE
       SET provider_customer_id = EXCLUDED.provider_customer_id,
           payment_method_id = EXCLUDED.payment_method_id,
           changed_at = EXCLUDED.changed_at,
           source_event_id = EXCLUDED.source_event_id,
           updated_at = EXCLUDED.updated_at
       WHERE payment_accounts.changed_at <= EXCLUDED.changed_at`,
    [
      accounts.map((a) => a.accountId),
      accounts.map((a) => a.providerCustomerId),
      accounts.map((a) => a.paymentMethodId),
      accounts.map((a) => a.changedAt),
      accounts.map((a) => a.sourceEventId),
      now.toISOString(),
    ],
  );
}
