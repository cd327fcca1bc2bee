import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { CLOCK, Clock, Roles } from '@billing/messaging';
import { REPORTING_CONFIG, ReportingConfig } from '../../../config';
import { PaginationDocs, ReportDocs } from '../../infrastructure/http/api-docs';
import { HttpRequest, HttpResponse, encodeCursor, pageQuery, respond } from '../../infrastructure/http/report-response';
import { delinquentTable, listDelinquentAccounts } from './list-delinquent-accounts.query';

const cursorSchema = z.object({ accountId: z.string().min(1), currency: z.string().length(3) });

@ApiTags('reports')
@Controller('v1/reports')
export class ListDelinquentAccountsController {
  private readonly page;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(REPORTING_CONFIG) config: ReportingConfig,
  ) {
    this.page = pageQuery(config, cursorSchema);
  }

  @Get('delinquent-accounts')
  @Roles('finance', 'operator', 'admin')
  @ReportDocs(
    'Delinquent accounts',
    'Accounts that owe money on an invoice that is past due now or whose charge was declined, one row per ' +
      '(account, currency): unpaid invoices, amount, the oldest due date and its days past due (ceil of 24h periods), ' +
      'and the active hold if any. Ordered by account id and currency; paginated with limit/cursor.',
  )
  @PaginationDocs()
  async delinquent(@Query() rawQuery: unknown, @Req() request: HttpRequest, @Res({ passthrough: true }) response: HttpResponse) {
    const { format, limit, position } = this.page(rawQuery);
    const page = await listDelinquentAccounts(this.dataSource, this.clock.now(), limit, position, encodeCursor);
    return respond(request, response, format, page, delinquentTable, 'delinquent-accounts');
  }
}
