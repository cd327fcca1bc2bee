import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { fields } from '@billing/events';
import { Roles, parseRequest } from '@billing/messaging';
import { REPORTING_CONFIG, ReportingConfig } from '../../../config';
import { ReportDocs } from '../../infrastructure/http/api-docs';
import { HttpRequest, HttpResponse, formatField, limitField, respond } from '../../infrastructure/http/report-response';
import { listMonthCloses, listRunFailures, monthCloseRunsTable, runFailuresTable } from './list-month-closes.query';

const runParams = z.object({ runId: z.uuid() });

@ApiTags('reports')
@Controller('v1/reports')
export class ListMonthClosesController {
  private readonly query;
  private readonly failuresQuery;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(REPORTING_CONFIG) config: ReportingConfig,
  ) {
    this.query = z.object({
      period: fields.period.optional(),
      runId: z.uuid().optional(),
      format: formatField,
      limit: limitField(config),
    });
    this.failuresQuery = this.query.pick({ format: true, limit: true });
  }

  @Get('month-closes')
  @Roles('finance', 'operator', 'admin')
  @ReportDocs(
    'Month-close runs and their progress',
    'Every month-close run (or those of one period, or one run), newest first, at most `limit`: status, start and end, the run\'s ' +
      'own counts (accounts in scope, invoiced, zero-total, failed) and what happened to its invoices since: charged ' +
      '(a succeeded charge), declined (a declined or failed attempt), emailed (invoice email sent), accounts on hold now, ' +
      'invoices still awaiting a charge outcome or their invoice email, and `settled` once the run ended and none awaits.',
  )
  @ApiQuery({ name: 'period', required: false, example: '2026-11', description: 'Only the runs of this billing period (YYYY-MM)' })
  @ApiQuery({ name: 'runId', required: false, description: 'Only this run' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: 'Most runs listed (default 100).' })
  async monthCloses(@Query() rawQuery: unknown, @Req() request: HttpRequest, @Res({ passthrough: true }) response: HttpResponse) {
    const { period, runId, format, limit } = parseRequest(this.query, rawQuery, 'query');
    const list = await listMonthCloses(this.dataSource, { period, runId }, limit);
    return respond(request, response, format, list, monthCloseRunsTable, period ? `month-closes-${period}` : 'month-closes');
  }

  @Get('month-closes/:runId/failures')
  @Roles('finance', 'operator', 'admin')
  @ReportDocs(
    'Accounts a month-close run could not invoice',
    'The accounts the run failed (code and reason from MonthCloseAccountFailed), by account id, at most `limit`; ' +
      'an account leaves the list once its invoice of the run arrives. `failedAccounts` counts them all.',
  )
  @ApiParam({ name: 'runId', description: 'The month-close run id (uuid)' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: 'Most accounts listed (default 100).' })
  async failures(
    @Param() rawParams: unknown,
    @Query() rawQuery: unknown,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) response: HttpResponse,
  ) {
    const { runId } = parseRequest(runParams, rawParams, 'params');
    const { format, limit } = parseRequest(this.failuresQuery, rawQuery, 'query');
    const list = await listRunFailures(this.dataSource, runId, limit);
    return respond(request, response, format, list, runFailuresTable, `month-close-failures-${runId}`);
  }
}
