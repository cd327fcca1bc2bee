import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { fields } from '@billing/events';
import { Roles, parseRequest } from '@billing/messaging';
import { ReportDocs } from '../../infrastructure/http/api-docs';
import { HttpRequest, HttpResponse, formatField, respond } from '../../infrastructure/http/report-response';
import { getMonthCloseReport, monthCloseTable } from './get-month-close-report.query';

const params = z.object({ period: fields.period });
const query = z.object({ format: formatField });

@ApiTags('reports')
@Controller('v1/reports')
export class GetMonthCloseReportController {
  constructor(private readonly dataSource: DataSource) {}

  @Get('month-close/:period')
  @Roles('finance', 'operator', 'admin')
  @ReportDocs(
    'Month-close figures of one billing period',
    'Per currency: invoices, invoiced, collected = collectedCard (provider charges) + collectedOffline (bank transfer, ' +
      'cheque), carriedForward (totals below the provider minimum carried to the next invoice), failed (outstanding on ' +
      'invoices with a declined charge), outstanding (invoiced - carriedForward - collected - credits applied to it), zero-total invoices, accounts invoiced and on hold, emails sent and failed; ' +
      'corrections of these invoices, whenever issued: creditNotes, credited, invoicedNet (invoiced - credited), refunded, refundPending, ' +
      'refundFailed (still owed to the customer), accountCreditGranted, creditAwaitingSettlement; ' +
      "and the period's month-close runs with their start, end, duration and status; " +
      'the accounts a run could not invoice, with code and reason, until their invoice of that run arrives.',
  )
  @ApiParam({ name: 'period', example: '2026-11', description: 'Billing period YYYY-MM' })
  async monthClose(
    @Param() rawParams: unknown,
    @Query() rawQuery: unknown,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) response: HttpResponse,
  ) {
    const { period } = parseRequest(params, rawParams, 'params');
    const { format } = parseRequest(query, rawQuery, 'query');
    const report = await getMonthCloseReport(this.dataSource, period);
    return respond(request, response, format, report, monthCloseTable, `month-close-${period}`);
  }
}
