import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Roles, parseRequest } from '@billing/messaging';
import { accountRepository } from '../../infrastructure/account.repository';
import { accountIdParam } from '../account-fields';

/** accounts/get: a read, so the controller asks the repository directly. */
@Controller('v1/accounts')
export class GetAccountController {
  constructor(private readonly dataSource: DataSource) {}

  @Get(':id')
  @Roles('operator', 'admin', 'finance', 'service')
  async get(@Param() params: unknown) {
    const { id } = parseRequest(accountIdParam, params, 'path');
    const account = await accountRepository.findById(this.dataSource.manager, id);
    if (!account) throw new NotFoundException(`account ${id} does not exist`);
    return account;
  }
}
