import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CLOCK, Clock } from '@billing/messaging';
import { Account } from '../../domain/account';
import { CurrencyChangeRefusal, decideCurrencyChange } from '../../domain/currency-change';
import { accountMoneyRepository } from '../../infrastructure/account-money.repository';
import { accountRepository } from '../../infrastructure/account.repository';
import { PatchAccountCommand } from '../account-fields';
import { appendPaymentMethodChange } from '../payment-method-event';

export type UpdateAccountResult =
  | { ok: true; account: Account }
  | { ok: false; code: 'not_found'; message: string }
  | CurrencyChangeRefusal;

/**
 * accounts/update: changes the given fields. Issued invoices keep the snapshot they were issued
 * with; the change applies to future invoices only. The row is locked, so a month-close page
 * that is invoicing this account (and spending its credit) is never overwritten.
 * A currency change is refused, nothing written, while the account holds credit, owes on an
 * invoice or has a carried balance waiting (all in the old currency). A change of payment method
 * or provider customer emits AccountPaymentMethodChanged in the same transaction.
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
      const now = this.clock.now().toISOString();
      const account: Account = { ...current, ...defined, updatedAt: now };
      if (account.currency !== current.currency) {
        const allowed = decideCurrencyChange(current, account, await accountMoneyRepository.stateOf(manager, accountId));
        if (!allowed.ok) return allowed;
      }
      await accountRepository.update(manager, account);
      await appendPaymentMethodChange(manager, current, account, now);
      return { ok: true, account };
    });
  }
}
