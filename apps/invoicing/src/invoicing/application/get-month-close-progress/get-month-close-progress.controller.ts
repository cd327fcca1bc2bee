import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { fields } from '@billing/events';
import { CLOCK, Clock, Roles, parseRequest } from '@billing/messaging';
import { INVOICING_CONFIG, InvoicingConfig } from '../../../config';
import { summarizeRemaining } from '../../domain/month-close-plan';
import { MonthCloseRequest, monthCloseRepository } from '../../infrastructure/month-close.repository';

/** month-close/get-progress: status and counts of a run, computed live while it is open. */
@Controller('v1/month-closes')
export class GetMonthCloseProgressController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(INVOICING_CONFIG) private readonly config: InvoicingConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** `?period=YYYY-MM`: the period's run (for the CLI and operators). */
  @Get()
  @Roles('operator', 'admin', 'finance', 'service')
  async byPeriod(@Query() query: unknown) {
    const { period } = parseRequest(z.object({ period: fields.period }).strict(), query, 'query');
    const request = await monthCloseRepository.findRequest(this.dataSource.manager, period);
    if (!request) throw new NotFoundException(`no month close was requested for ${period}`);
    return this.progress(request);
  }

  @Get(':id')
  @Roles('operator', 'admin', 'finance', 'service')
  async byId(@Param() params: unknown) {
    const { id } = parseRequest(z.object({ id: fields.uuid }), params, 'path');
    const request = await monthCloseRepository.findRequestByRun(this.dataSource.manager, id);
    if (!request) throw new NotFoundException(`month close ${id} does not exist`);
    return this.progress(request);
  }

  private async progress(request: MonthCloseRequest) {
    const manager = this.dataSource.manager;
    const run = await monthCloseRepository.findRun(manager, request.runId);
    const base = { runId: request.runId, period: request.period, requestedAt: request.requestedAt, requestedBy: request.requestedBy };
    if (!run) {
      return { ...base, status: 'requested', accountsInScope: null, invoiced: 0, zeroTotal: 0, failed: 0, remaining: null, waiting: null, waitingUntil: null, startedAt: null, completedAt: null };
    }
    let { remaining, waiting, waitingUntil } = run;
    if (run.status !== 'completed') {
      ({ remaining, waiting, waitingUntil } = summarizeRemaining(
        run.period,
        await monthCloseRepository.remainingByZone(manager, run.runId, run.period),
        this.config.MONTH_CLOSE_GRACE_MINUTES,
        this.clock.now().toISOString(),
      ));
    }
    return {
      ...base,
      status: run.status,
      accountsInScope: run.invoiced + remaining,
      invoiced: run.invoiced,
      zeroTotal: run.zeroTotal,
      failed: run.failed,
      remaining,
      waiting,
      waitingUntil,
      startedAt: run.startedAt,
      completedAt: run.completedAt,
    };
  }
}
