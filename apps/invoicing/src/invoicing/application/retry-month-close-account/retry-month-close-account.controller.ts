import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { fields } from '@billing/events';
import { Roles, parseRequest, toHttpError } from '@billing/messaging';
import { RetryMonthCloseAccount } from './retry-month-close-account';

const params = z.object({ id: fields.uuid, accountId: fields.uuid });
const body = z.object({ retriedBy: z.string().trim().min(1).max(100).optional() }).strict();

@Controller('v1/month-closes')
export class RetryMonthCloseAccountController {
  constructor(private readonly retryAccount: RetryMonthCloseAccount) {}

  /**
   * 202: the account is back in the run's scope (`alreadyRetrying` on a repeat); 404: no such run,
   * or the account has not failed in it; 409 `already_invoiced`: it has its invoice.
   */
  @Post(':id/accounts/:accountId/retry')
  @HttpCode(202)
  @Roles('operator', 'admin')
  async retry(@Param() rawParams: unknown, @Body() rawBody: unknown) {
    const { id, accountId } = parseRequest(params, rawParams, 'path');
    const { retriedBy } = parseRequest(body, rawBody ?? {});
    const result = await this.retryAccount.execute(id, accountId, retriedBy ?? 'api');
    if (!result.ok) throw toHttpError(result);
    return result;
  }
}
