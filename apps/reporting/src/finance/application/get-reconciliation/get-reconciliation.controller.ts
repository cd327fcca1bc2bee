import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { fields } from '@billing/events';
import { Roles, parseRequest } from '@billing/messaging';
import { REPORTING_CONFIG, ReportingConfig } from '../../../config';
import { ReportDocs } from '../../infrastructure/http/api-docs';
import { HttpRequest, HttpResponse, formatField, limitField, respond } from '../../infrastructure/http/report-response';
import { getReconciliation, reconciliationTable } from './get-reconciliation.query';

@ApiTags('reports')
@Controller('v1/reports')
export class GetReconciliationController {
  private readonly query;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(REPORTING_CONFIG) config: ReportingConfig,
  ) {
    this.query = z.object({
      period: fields.period,
      format: formatField,
      limit: limitField(config),
    });
  }

  @Get('reconciliation')
  @Roles('finance', 'operator', 'admin')
  @ReportDocs(
    'Reconciliation of one billing period',
    'Invoices with no charge outcome (succeeded, failed or skipped, or an offline payment), charges with no invoice (any period), invoices ' +
      'with no invoice email sent, active holds on accounts that owe nothing (any period), invoices whose lines do not ' +
      'add up to their subtotal, and currencies where invoiced - carriedForward - credited != collected - (refunded + refundPending + ' +
      'refundFailed + accountCreditGranted + creditAwaitingSettlement) + outstanding. Every list is empty after a ' +
      'clean month close. Each list holds at most `limit` items; `counts` has the full numbers.',
  )
  @ApiQuery({ name: 'period', example: '2026-11', description: 'Billing period YYYY-MM' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: 'Most items per list (default 100).' })
  async reconciliation(@Query() rawQuery: unknown, @Req() request: HttpRequest, @Res({ passthrough: true }) response: HttpResponse) {
    const { period, format, limit } = parseRequest(this.query, rawQuery, 'query');
    const report = await getReconciliation(this.dataSource, period, limit);
    return respond(request, response, format, report, reconciliationTable, `reconciliation-${period}`);
  }
}
