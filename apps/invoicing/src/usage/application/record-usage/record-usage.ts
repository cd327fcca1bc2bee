import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CLOCK, Clock } from '@billing/messaging';
import { accountRepository } from '../../../accounts/infrastructure/account.repository';
import { periodOf } from '../../../invoicing/domain/billing-period';
import { productRepository } from '../../../price-list/infrastructure/product.repository';
import { usageRepository } from '../../infrastructure/usage.repository';

export interface UsageInput {
  usageId: string;
  accountId: string;
  sku: string;
  resourceId: string;
  /** Exact non-negative decimal string. */
  quantity: string;
  /** UTC instant. */
  occurredAt: string;
}

export type RecordUsageResult =
  | { ok: true; accepted: number; duplicates: number; late: number }
  | { ok: false; code: 'unknown_account' | 'unknown_sku'; index: number; field: 'accountId' | 'sku'; message: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * usage/record: stores a batch of usage records in the caller's transaction. The whole batch is
 * refused when one record names an unknown account or SKU (nothing written); a usage id seen
 * before is skipped, so a retried upload or a redelivered event counts once.
 */
@Injectable()
export class RecordUsage {
  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  async execute(manager: EntityManager, records: readonly UsageInput[]): Promise<RecordUsageResult> {
    const accountIds = [...new Set(records.map((r) => r.accountId).filter((id) => UUID.test(id)))];
    // FOR SHARE: waits for a month-close page that is invoicing these accounts, so the late flag is exact.
    const accounts = await accountRepository.zonesOf(manager, accountIds);
    const skus = await productRepository.existingSkus(manager, [...new Set(records.map((r) => r.sku))]);
    for (const [index, record] of records.entries()) {
      if (!accounts.has(record.accountId)) {
        return { ok: false, code: 'unknown_account', index, field: 'accountId', message: `account ${record.accountId} does not exist` };
      }
      if (!skus.has(record.sku)) {
        return { ok: false, code: 'unknown_sku', index, field: 'sku', message: `sku ${record.sku} is not in the price list` };
      }
    }
    const { inserted, late } = await usageRepository.insert(
      manager,
      records.map((r) => ({ ...r, usagePeriod: periodOf(r.occurredAt, accounts.get(r.accountId)!.timeZone) })),
      this.clock.now().toISOString(),
    );
    return { ok: true, accepted: inserted, duplicates: records.length - inserted, late };
  }
}
