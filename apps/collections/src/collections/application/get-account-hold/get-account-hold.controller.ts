import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { Roles, parseRequest } from '@billing/messaging';
import { activeHold, auditTrail, holdHistory } from '../../infrastructure/account-hold.queries';
import { invoiceSummaries } from '../../infrastructure/dunning-case.repository';

const accountParam = z.string().trim().min(1).max(200);

/** An account's hold status: the active hold (with its invoices), every past hold and the manual-release audit. */
@ApiTags('holds')
@ApiBearerAuth()
@Controller('v1/accounts')
export class GetAccountHoldController {
  constructor(private readonly dataSource: DataSource) {}

  @Get(':id/hold')
  @ApiOperation({ summary: 'The account’s hold: the active one with its invoices, past holds, manual-release audit' })
  @Roles('finance', 'admin', 'operator', 'service')
  async get(@Param('id') id: string) {
    const accountId = parseRequest(accountParam, id, 'params.id');
    const manager = this.dataSource.manager;
    const [active, history, audit] = await Promise.all([
      activeHold(manager, accountId),
      holdHistory(manager, accountId),
      auditTrail(manager, accountId),
    ]);
    const invoices = await invoiceSummaries(manager, active?.invoiceIds ?? []);
    return {
      accountId,
      onHold: active !== null,
      activeHold: active && {
        holdId: active.holdId,
        reason: active.reason,
        placedAt: active.placedAt,
        invoices: active.invoiceIds.map((invoiceId) => invoices.get(invoiceId) ?? { invoiceId }),
      },
      history,
      audit,
    };
  }
}
