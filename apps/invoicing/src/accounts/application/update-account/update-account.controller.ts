import { Body, Controller, Param, Patch, Put } from '@nestjs/common';
import { Roles, parseRequest, toHttpError } from '@billing/messaging';
import { accountIdParam, patchAccountSchema, putAccountSchema } from '../account-fields';
import { UpdateAccount } from './update-account';

@Controller('v1/accounts')
export class UpdateAccountController {
  constructor(private readonly updateAccount: UpdateAccount) {}

  @Patch(':id')
  @Roles('operator', 'admin', 'service')
  async patch(@Param() params: unknown, @Body() body: unknown) {
    const { id } = parseRequest(accountIdParam, params, 'path');
    const result = await this.updateAccount.execute(id, parseRequest(patchAccountSchema, body));
    if (!result.ok) throw toHttpError(result);
    return result.account;
  }

  @Put(':id')
  @Roles('operator', 'admin', 'service')
  async put(@Param() params: unknown, @Body() body: unknown) {
    const { id } = parseRequest(accountIdParam, params, 'path');
    const full = parseRequest(putAccountSchema, body);
    const result = await this.updateAccount.execute(id, {
      ...full,
      providerCustomerId: full.providerCustomerId ?? null,
      paymentMethodId: full.paymentMethodId ?? null,
      creditBalanceMinor: full.creditBalanceMinor ?? 0,
      status: full.status ?? 'active',
    });
    if (!result.ok) throw toHttpError(result);
    return result.account;
  }
}
