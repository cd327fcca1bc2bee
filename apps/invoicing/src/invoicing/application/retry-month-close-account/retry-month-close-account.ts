import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CLOCK, Clock, LOGGER, Logger } from '@billing/messaging';
import { reopenForRetry } from '../../domain/month-close-run';
import { invoiceRepository } from '../../infrastructure/invoice.repository';
import { monthCloseRepository } from '../../infrastructure/month-close.repository';
import { MonthCloseWorker } from '../run-month-close/month-close-worker';

export type RetryAccountResult =
  | { ok: true; runId: string; accountId: string; period: string; status: 'retrying'; alreadyRetrying: boolean }
  | { ok: false; code: 'not_found'; message: string }
  | { ok: false; code: 'already_invoiced'; message: string; invoiceId: string };

/**
 * month-close/retry-account (operator): after the data of a failed account was fixed, puts the
 * account back in its run's scope and reopens the run (even an ended one), so the worker
 * invoices it — once: the run row is locked like a page locks it, and UNIQUE(account_id, period)
 * backs it up. A repeat while the retry is pending changes nothing; once invoiced, it is a 409.
 */
@Injectable()
export class RetryMonthCloseAccount {
  constructor(
    private readonly dataSource: DataSource,
    private readonly worker: MonthCloseWorker,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(runId: string, accountId: string, retriedBy: string): Promise<RetryAccountResult> {
    const result = await this.dataSource.transaction(async (manager): Promise<RetryAccountResult> => {
      const run = await monthCloseRepository.lockRun(manager, runId);
      if (!run) return { ok: false, code: 'not_found', message: `month close ${runId} has no run` };
      const invoiceId = await invoiceRepository.findInvoiceId(manager, accountId, run.period);
      if (invoiceId) {
        return { ok: false, code: 'already_invoiced', message: `account ${accountId} already has its ${run.period} invoice ${invoiceId}`, invoiceId };
      }
      const failure = await monthCloseRepository.findFailure(manager, runId, accountId);
      if (!failure) return { ok: false, code: 'not_found', message: `account ${accountId} has not failed in month close ${runId}` };
      const retrying = { ok: true as const, runId, accountId, period: run.period, status: 'retrying' as const };
      if (failure.retriedAt !== null) return { ...retrying, alreadyRetrying: true };
      await monthCloseRepository.markRetried(manager, runId, accountId, this.clock.now().toISOString(), retriedBy);
      await monthCloseRepository.saveRun(manager, reopenForRetry(run));
      this.logger.info({ correlationId: runId, accountId, code: failure.code, retriedBy }, 'failed account retried; the run reopens');
      return { ...retrying, alreadyRetrying: false };
    });
    if (result.ok && !result.alreadyRetrying) this.worker.notify();
    return result;
  }
}
