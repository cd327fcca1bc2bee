import { EntityManager } from 'typeorm';
import { Account } from '../../../accounts/domain/account';
import { AccountRow, toAccount } from '../../../accounts';
import { productRepository } from '../../../price-list';
import { usageRepository } from '../../../usage';
import { AccountFailure, computeForAccount } from '../../domain/account-failure';
import { carriedLinesFor } from '../../domain/carried-balance';
import { Period, periodBounds } from '../../domain/billing-period';
import { AccountUsage, latePeriods, splitUsageByPeriod } from '../../domain/period-usage';
import { InvoiceLine, UsageRecord, rateUsage } from '../../domain/rating';
import { carriedBalanceRepository } from '../../infrastructure/carried-balance.repository';
import { invoiceRepository } from '../../infrastructure/invoice.repository';

export interface RatedAccount {
  readonly account: Account;
  /** Rated usage lines, then a `carried_balance` line per below-minimum total waiting for this invoice. */
  readonly lines: InvoiceLine[];
  /** The usage these lines bill: marked billed with the invoice. */
  readonly usageIds: string[];
}

/**
 * month-close/rate (one page): reads the page's unbilled usage and the price list in two
 * queries, splits each account's usage into the period's and late usage, and rates it. Each
 * account is computed on its own: a coded rating failure or anything thrown for one account
 * (unreadable row, a zone no rule knows, an amount out of range) fails that account only.
 * Balances earlier invoices carried forward (below the provider minimum) are added as lines; the
 * page holds the account rows locked, so no other transaction carries them at the same time.
 */
export async function rateAccounts(
  manager: EntityManager,
  period: Period,
  rows: readonly AccountRow[],
): Promise<{ rated: RatedAccount[]; failures: AccountFailure[] }> {
  const failures: AccountFailure[] = [];
  const accounts: Account[] = [];
  for (const row of rows) {
    const read = computeForAccount(row.account_id, () => ({ ok: true, value: toAccount(row) }));
    if (read.ok) accounts.push(read.value);
    else failures.push(read.failure);
  }

  const bounds: { accountId: string; periodEnd: string }[] = [];
  for (const account of accounts) {
    const end = computeForAccount(account.accountId, () => ({ ok: true, value: periodBounds(period, account.timeZone).end }));
    if (end.ok) bounds.push({ accountId: account.accountId, periodEnd: end.value });
    else failures.push(end.failure);
  }
  const usageOf = new Map<string, UsageRecord[]>();
  for (const row of await usageRepository.unbilledBefore(manager, bounds)) {
    const record: UsageRecord = {
      usageId: row.usage_id,
      sku: row.sku,
      resourceId: row.resource_id,
      quantity: row.quantity,
      occurredAt: row.occurred_at.toISOString(),
    };
    const list = usageOf.get(row.account_id);
    if (list) list.push(record);
    else usageOf.set(row.account_id, [record]);
  }

  const split = new Map<string, { account: Account; usage: AccountUsage }>();
  const inScope = new Set(bounds.map((b) => b.accountId));
  for (const account of accounts.filter((a) => inScope.has(a.accountId))) {
    const result = computeForAccount(account.accountId, () => ({
      ok: true,
      value: splitUsageByPeriod(period, account.timeZone, usageOf.get(account.accountId) ?? []),
    }));
    if (result.ok) split.set(account.accountId, { account, usage: result.value });
    else failures.push(result.failure);
  }

  const withLate = [...split.values()].filter((s) => s.usage.late.length > 0);
  const alreadyInvoiced = await invoiceRepository.invoicedQuantities(
    manager,
    withLate.map((s) => s.account.accountId),
    latePeriods(withLate.map((s) => s.usage)),
  );
  const products = await productRepository.all(manager);
  const carried = await carriedBalanceRepository.pendingOf(manager, [...split.keys()]);

  const rated: RatedAccount[] = [];
  for (const { account, usage } of split.values()) {
    const result = computeForAccount(account.accountId, () => {
      const rating = rateUsage({
        currency: account.currency,
        products,
        usage: usage.usage,
        period,
        lateUsage: usage.late,
        alreadyInvoiced: alreadyInvoiced.get(account.accountId) ?? [],
      });
      if (!rating.ok) return rating;
      return { ok: true, value: [...rating.lines, ...carriedLinesFor(period, account.currency, carried.get(account.accountId) ?? [])] };
    });
    if (result.ok) rated.push({ account, lines: result.value, usageIds: [...usage.usage, ...usage.late].map((u) => u.usageId) });
    else failures.push(result.failure);
  }
  return { rated, failures };
}
