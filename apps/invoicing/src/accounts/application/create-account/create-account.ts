import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, CLOCK, newId } from '@billing/messaging';
import { Account } from '../../domain/account';
import { accountRepository } from '../../infrastructure/account.repository';
import { CreateAccountCommand } from '../account-fields';
import { appendPaymentMethodChange } from '../payment-method-event';

export type CreateAccountResult =
  | { ok: true; account: Account }
  | { ok: false; code: 'account_exists'; message: string };

/**
 * accounts/create: a new account; a client-chosen id that already exists is a conflict, not an
 * overwrite. An account created with a payment method or provider customer emits
 * AccountPaymentMethodChanged in the same transaction.
 */
@Injectable()
export class CreateAccount {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: CreateAccountCommand): Promise<CreateAccountResult> {
    const now = this.clock.now().toISOString();
    const account: Account = {
      accountId: command.accountId ?? newId(),
      name: command.name,
      billingEmail: command.billingEmail,
      currency: command.currency,
      timeZone: command.timeZone,
      locale: command.locale,
      providerCustomerId: command.providerCustomerId ?? null,
      paymentMethodId: command.paymentMethodId ?? null,
      creditBalanceMinor: command.creditBalanceMinor ?? 0,
      status: command.status ?? 'active',
      createdAt: now,
      updatedAt: now,
    };
    return this.dataSource.transaction(async (manager) => {
      const inserted = await accountRepository.insert(manager, account);
      if (!inserted) return { ok: false, code: 'account_exists', message: `account ${account.accountId} already exists` };
      await appendPaymentMethodChange(manager, null, account, now);
      return { ok: true, account };
    });
  }
}
