import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Roles, parseRequest, toHttpError } from '@billing/messaging';
import { createAccountSchema } from '../account-fields';
import { CreateAccount } from './create-account';

@Controller('v1/accounts')
export class CreateAccountController {
  constructor(private readonly createAccount: CreateAccount) {}

  @Post()
  @HttpCode(201)
  @Roles('operator', 'admin', 'service')
  async create(@Body() body: unknown) {
    const result = await this.createAccount.execute(parseRequest(createAccountSchema, body));
    if (!result.ok) throw toHttpError(result);
    return result.account;
  }
}
