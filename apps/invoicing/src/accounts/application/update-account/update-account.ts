import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CLOCK, Clock } from '@billing/messaging';
import { Account } from '../../domain/account';
import { accountRepository } from '../../infrastructure/account.repository';
import { PatchAccountCommand } from '../account-fields';

export type UpdateAccountResult = { ok: true; account: Account } | { ok: false; code: 'not_found'; message: string };

/**
 * accounts/update: changes the given fields. Issued invoices keep the snapshot they were issued
 * with; the change applies to future invoices only. The row is locked, so a month-close page
 * that is invoicing this account (and spending its credit) is never overwritten.
 */
@Injectable()
export class UpdateAccount {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(accountId: string, changes: PatchAccountCommand): Promise<UpdateAccountResult> {
    return this.dataSource.transaction(async (manager) => {
      const current = await accountRepository.findById(manager, accountId, true);
      if (!current) return { ok: false, code: 'not_found', message: `account ${accountId} does not exist` };
      const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
      const account: Account = { ...current, ...defined, updatedAt: this.clock.now().toISOString() };
      await accountRepository.update(manager, account);
      return { ok: true, account };
    });
  }
}
