import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CLOCK, Clock, LOGGER, Logger, appendToOutbox } from '@billing/messaging';
import { INVOICING_CONFIG, InvoicingConfig } from '../../../config';
import { eligibleZones, summarizeRemaining } from '../../domain/month-close-plan';
import { MonthCloseRun, afterPage, endPass, withProgress } from '../../domain/month-close-run';
import { invoiceRepository } from '../../infrastructure/invoice.repository';
import { monthCloseRepository } from '../../infrastructure/month-close.repository';
import { issueInvoices } from './issue-invoices';
import { completedEvent, progressEvent } from './month-close-events';
import { rateAccounts } from './rate-accounts';
import { recordAccountFailures } from './record-account-failures';

export type PageOutcome =
  /** Another instance holds the run, or it is not due. */
  | { kind: 'skipped' }
  /** A page was invoiced, or a new pass started: call again. */
  | { kind: 'worked'; invoiced: number; failed: number }
  /** The pass ended: the run waits for a zone, or it ended. */
  | { kind: 'idle'; status: 'waiting' | 'completed' | 'completed_with_failures' };

/**
 * month-close/invoice-next-page: one transaction of a month-close run. Locks the run row (FOR
 * UPDATE SKIP LOCKED: several instances share the work without doubling it), takes the next page
 * of eligible accounts after the cursor that have no invoice and no open failure in the run,
 * rates and issues them, records the accounts that could not be invoiced as failed (the run goes
 * on without them), and advances the cursor — all or nothing, so a process killed between pages,
 * or a database error, resumes at the cursor with no account invoiced twice and none skipped.
 * At the end of a pass the run waits for the next zone's month end or ends, emitting
 * MonthCloseCompleted (the status change and the event commit together).
 */
@Injectable()
export class InvoiceNextPage {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(INVOICING_CONFIG) private readonly config: InvoicingConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(runId: string): Promise<PageOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const now = this.clock.now().toISOString();
      const run = await monthCloseRepository.lockDueRun(manager, runId, now);
      if (!run) return { kind: 'skipped' };
      const grace = this.config.MONTH_CLOSE_GRACE_MINUTES;
      const zones = eligibleZones(run.period, await monthCloseRepository.activeZones(manager), grace, now);
      const page = await invoiceRepository.lockPage(manager, {
        runId,
        period: run.period,
        zones,
        after: run.cursor,
        limit: this.config.MONTH_CLOSE_PAGE_SIZE,
      });
      if (page.length === 0) return this.endPass(manager, run, now);

      const rating = await rateAccounts(manager, run.period, page);
      const issue = await issueInvoices(manager, { run, now, paymentTermsDays: this.config.PAYMENT_TERMS_DAYS }, rating.rated);
      const failed = await recordAccountFailures(manager, run, [...rating.failures, ...issue.failures], now);
      for (const f of failed) {
        this.logger.warn({ correlationId: runId, accountId: f.accountId, code: f.code, reason: f.reason }, 'account could not be invoiced; the run goes on');
      }
      const counts = { lastAccountId: page[page.length - 1].account_id, invoiced: issue.invoiced, zeroTotal: issue.zeroTotal, failed: failed.length };
      const paged = afterPage(run, counts, this.config.MONTH_CLOSE_PROGRESS_EVERY_PAGES);
      const next = paged.report === 'counted' ? withProgress(paged.run, await this.remaining(manager, paged.run, now)) : paged.run;
      if (paged.report !== 'none') await appendToOutbox(manager, [progressEvent(next, now)]);
      await monthCloseRepository.saveRun(manager, next);
      this.logger.info({ correlationId: runId, period: run.period, ...counts }, 'month-close page invoiced');
      return { kind: 'worked', invoiced: issue.invoiced, failed: failed.length };
    });
  }

  /** End of a pass over the eligible accounts: start another pass, wait for the next zone, or end the run. */
  private async endPass(manager: EntityManager, run: MonthCloseRun, now: string): Promise<PageOutcome> {
    const summary = await this.remaining(manager, run, now);
    const end = endPass(run, summary, await monthCloseRepository.countOpenFailures(manager, run.runId), now);
    await monthCloseRepository.saveRun(manager, end.run);
    if (end.kind === 'restart') return { kind: 'worked', invoiced: 0, failed: 0 };
    if (end.kind === 'waiting') {
      await appendToOutbox(manager, [progressEvent(end.run, now)]);
      this.logger.info(
        { correlationId: run.runId, period: run.period, waiting: end.run.waiting, waitingUntil: end.run.waitingUntil },
        'month close waits for the month to end in more zones',
      );
      return { kind: 'idle', status: 'waiting' };
    }
    await appendToOutbox(manager, [progressEvent(end.run, now), completedEvent(end.run)]);
    this.logger.info(
      { correlationId: run.runId, period: run.period, invoiced: end.run.invoiced, failed: end.run.failed, status: end.run.status },
      'month close ended',
    );
    return { kind: 'idle', status: end.run.status };
  }

  private async remaining(manager: EntityManager, run: MonthCloseRun, now: string) {
    return summarizeRemaining(
      run.period,
      await monthCloseRepository.remainingByZone(manager, run.runId, run.period),
      this.config.MONTH_CLOSE_GRACE_MINUTES,
      now,
    );
  }
}
