import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CLOCK, Clock } from '@billing/messaging';
import { accountRepository } from '../../../accounts';
import { periodOf } from '../../../invoicing/domain/billing-period';
import { productRepository } from '../../../price-list';
import { UsageFact, usageRepository } from '../../infrastructure/usage.repository';

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
  | { ok: false; code: 'unknown_account' | 'unknown_sku'; index: number; field: 'accountId' | 'sku'; message: string }
  | {
      ok: false;
      code: 'usage_conflict';
      /** Every record of the batch whose id the account already used with other facts. */
      conflicts: { index: number; usageId: string; differing: UsageFact[] }[];
      message: string;
    };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * usage/record: stores a batch of usage records in the caller's transaction, ALL OR NOTHING.
 * - A record naming an unknown account or SKU refuses the whole batch (nothing written).
 * - Usage ids are unique per account. The same id with the same facts (sku, resourceId,
 *   quantity as a decimal, occurredAt as an instant) is a duplicate: skipped and counted, so a
 *   retried upload or a redelivered event counts once. The same id with other facts, whether
 *   stored earlier or twice in this batch, is `usage_conflict`: the whole batch is refused and
 *   nothing is written (a savepoint undoes this call's insert), since silently keeping either
 *   version would lose a fact.
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
    const rows = records.map((r) => ({ ...r, usagePeriod: periodOf(r.occurredAt, accounts.get(r.accountId)!.timeZone) }));
    // Insert first, then compare what was skipped with what is stored: one path for an earlier
    // upload, a repeat inside this batch and a concurrent upload that committed first.
    await manager.query('SAVEPOINT record_usage');
    const { inserted, late } = await usageRepository.insert(manager, rows, this.clock.now().toISOString());
    const conflicts = inserted === rows.length ? [] : await usageRepository.usageConflicts(manager, rows);
    if (conflicts.length > 0) {
      await manager.query('ROLLBACK TO SAVEPOINT record_usage');
      const described = conflicts.map((c) => ({ ...c, usageId: records[c.index].usageId }));
      const first = described[0];
      return {
        ok: false,
        code: 'usage_conflict',
        conflicts: described,
        message: `usage id ${first.usageId} was already recorded for this account with a different ${first.differing.join(', ')}`,
      };
    }
    await manager.query('RELEASE SAVEPOINT record_usage');
    return { ok: true, accepted: inserted, duplicates: records.length - inserted, late };
  }
}
