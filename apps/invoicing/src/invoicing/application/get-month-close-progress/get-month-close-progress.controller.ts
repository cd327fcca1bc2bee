import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { fields } from '@billing/events';
import { CLOCK, Clock, Roles, parseRequest } from '@billing/messaging';
import { INVOICING_CONFIG, InvoicingConfig } from '../../../config';
import { summarizeRemaining } from '../../domain/month-close-plan';
import { accountsInScope, isTerminal } from '../../domain/month-close-run';
import { MonthCloseRequest, RunFailure, monthCloseRepository } from '../../infrastructure/month-close.repository';

/** Failed accounts listed with the progress; the rest page through `GET /v1/month-closes/{id}/failures`. */
const FAILURES_IN_PROGRESS = 100;

const failuresQuery = z
  .object({
    after: fields.uuid.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

const listed = (failures: RunFailure[]) => failures.map(({ accountId, code, reason, failedAt, attempts }) => ({ accountId, code, reason, failedAt, attempts }));

/** month-close/get-progress: status and counts of a run, computed live while it is open, with its failed accounts. */
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

  /** The run's failed accounts (not retried since), by account id: `?after=<accountId>&limit=` pages on. */
  @Get(':id/failures')
  @Roles('operator', 'admin', 'finance', 'service')
  async failures(@Param() params: unknown, @Query() query: unknown) {
    const { id } = parseRequest(z.object({ id: fields.uuid }), params, 'path');
    const { after, limit } = parseRequest(failuresQuery, query, 'query');
    const run = await monthCloseRepository.findRun(this.dataSource.manager, id);
    if (!run) throw new NotFoundException(`month close ${id} has no run`);
    const failures = await monthCloseRepository.listOpenFailures(this.dataSource.manager, id, after ?? null, limit + 1);
    const page = failures.slice(0, limit);
    return { runId: id, failures: listed(page), next: failures.length > limit ? page[page.length - 1].accountId : null };
  }

  private async progress(request: MonthCloseRequest) {
    const manager = this.dataSource.manager;
    const run = await monthCloseRepository.findRun(manager, request.runId);
    const base = { runId: request.runId, period: request.period, requestedAt: request.requestedAt, requestedBy: request.requestedBy };
    if (!run) {
      return { ...base, status: 'requested', accountsInScope: null, invoiced: 0, zeroTotal: 0, failed: 0, remaining: null, waiting: null, waitingUntil: null, startedAt: null, completedAt: null, failures: [], failuresNext: null };
    }
    let { remaining, waiting, waitingUntil } = run;
    if (!isTerminal(run.status)) {
      ({ remaining, waiting, waitingUntil } = summarizeRemaining(
        run.period,
        await monthCloseRepository.remainingByZone(manager, run.runId, run.period),
        this.config.MONTH_CLOSE_GRACE_MINUTES,
        this.clock.now().toISOString(),
      ));
    }
    const failures = await monthCloseRepository.listOpenFailures(manager, run.runId, null, FAILURES_IN_PROGRESS + 1);
    const shown = failures.slice(0, FAILURES_IN_PROGRESS);
    return {
      ...base,
      status: run.status,
      accountsInScope: accountsInScope({ invoiced: run.invoiced, failed: run.failed, remaining }),
      invoiced: run.invoiced,
      zeroTotal: run.zeroTotal,
      failed: run.failed,
      remaining,
      waiting,
      waitingUntil,
      startedAt: run.startedAt,
      completedAt: run.completedAt,
      /** The first failed accounts with their reasons; `failuresNext` (an account id) pages on at `/failures?after=`. */
      failures: listed(shown),
      failuresNext: failures.length > FAILURES_IN_PROGRESS ? shown[shown.length - 1].accountId : null,
    };
  }
}
