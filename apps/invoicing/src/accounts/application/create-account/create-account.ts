import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CLOCK, Clock } from '@billing/messaging';
import { Account } from '../../domain/account';
import { accountRepository } from '../../infrastructure/account.repository';
import { CreateAccountCommand } from '../account-fields';

export type CreateAccountResult =
  | { ok: true; account: Account }
  | { ok: false; code: 'account_exists'; message: string };

/** accounts/create: a new account; a client-chosen id that already exists is a conflict, not an overwrite. */
@Injectable()
export class CreateAccount {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: CreateAccountCommand): Promise<CreateAccountResult> {
    const now = this.clock.now().toISOString();
    const account: Account = {
      accountId: command.accountId ?? randomUUID(),
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
    const inserted = await accountRepository.insert(this.dataSource.manager, account);
    if (!inserted) return { ok: false, code: 'account_exists', message: `account ${account.accountId} already exists` };
    return { ok: true, account };
  }
}
