import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { Roles, parseRequest } from '@billing/messaging';
import { ReportDocs } from '../../infrastructure/http/api-docs';
import { HttpRequest, HttpResponse, formatField, respond } from '../../infrastructure/http/report-response';
import { getArAging, arAgingTable } from './get-ar-aging.query';

/** A real calendar date YYYY-MM-DD (2026-02-30 is refused). */
export const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD' })
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00.000Z`);
    return !Number.isNaN(t) && new Date(t).toISOString().startsWith(d);
  }, { message: 'must be a real calendar date' });

const query = z.object({ asOf: calendarDate, format: formatField });

@ApiTags('reports')
@Controller('v1/reports')
export class GetArAgingController {
  constructor(private readonly dataSource: DataSource) {}

  @Get('ar-aging')
  @Roles('finance', 'operator', 'admin')
  @ReportDocs(
    'Accounts-receivable aging',
    'Outstanding per currency at the END of the asOf day in UTC (cutoff = asOf + 1 day 00:00Z): invoices issued ' +
      'before the cutoff, less what was carried to a later invoice, less charges that succeeded and offline payments ' +
      'received before it, less credit notes (what payments applied to the outstanding amount if it settled the note before the ' +
      'cutoff, else the note total if issued before it). An invoice is "current" while its dueAt is at or ' +
      'after the cutoff; otherwise it is ceil((cutoff - dueAt) / 24h) days past due, bucketed 1-30, 31-60, 61-90, over 90.',
  )
  @ApiQuery({ name: 'asOf', example: '2026-12-31', description: 'Calendar date YYYY-MM-DD (UTC)' })
  async arAging(@Query() rawQuery: unknown, @Req() request: HttpRequest, @Res({ passthrough: true }) response: HttpResponse) {
    const { asOf, format } = parseRequest(query, rawQuery, 'query');
    const report = await getArAging(this.dataSource, asOf);
    return respond(request, response, format, report, arAgingTable, `ar-aging-${asOf}`);
  }
}
