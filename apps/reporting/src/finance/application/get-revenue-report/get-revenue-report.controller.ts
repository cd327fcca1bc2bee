import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { fields } from '@billing/events';
import { Roles, parseRequest } from '@billing/messaging';
import { ReportDocs } from '../../infrastructure/http/api-docs';
import { HttpRequest, HttpResponse, formatField, respond } from '../../infrastructure/http/report-response';
import { getRevenueReport, revenueTable } from './get-revenue-report.query';

const query = z
  .object({
    from: fields.period,
    to: fields.period,
    groupBy: z.enum(['currency', 'product', 'period']).default('currency'),
    format: formatField,
  })
  .refine((q) => q.from <= q.to, { message: 'must not be before from', path: ['to'] });

@ApiTags('reports')
@Controller('v1/reports')
export class GetRevenueReportController {
  constructor(private readonly dataSource: DataSource) {}

  @Get('revenue')
  @Roles('finance', 'operator', 'admin')
  @ReportDocs(
    'Invoiced revenue over a range of billing periods',
    'By the invoice billing period, both ends included, always per currency. groupBy=product splits by SKU ' +
      '(line amounts before credits, plus one negative "(credit applied)" row per currency; carried_balance lines are ' +
      'left out: they were revenue in their own month, totals.carriedInMinor sums them, and one negative "(credit notes)" row per ' +
      'currency); groupBy=period by month. Credit notes count in the period of the invoice they credit: creditedMinor next to ' +
      'the gross amountMinor and netAmountMinor = amountMinor - creditedMinor.',
  )
  @ApiQuery({ name: 'from', example: '2026-01', description: 'First billing period, YYYY-MM' })
  @ApiQuery({ name: 'to', example: '2026-12', description: 'Last billing period, YYYY-MM' })
  @ApiQuery({ name: 'groupBy', required: false, enum: ['currency', 'product', 'period'] })
  async revenue(@Query() rawQuery: unknown, @Req() request: HttpRequest, @Res({ passthrough: true }) response: HttpResponse) {
    const { from, to, groupBy, format } = parseRequest(query, rawQuery, 'query');
    const report = await getRevenueReport(this.dataSource, from, to, groupBy);
    return respond(request, response, format, report, revenueTable, `revenue-${from}-${to}-${groupBy}`);
  }
}
