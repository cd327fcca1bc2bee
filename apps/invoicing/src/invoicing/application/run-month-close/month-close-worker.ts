import { BeforeApplicationShutdown, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CLOCK, Clock, LOGGER, Logger, PollLoop } from '@billing/messaging';
import { INVOICING_CONFIG, InvoicingConfig } from '../../../config';
import { RunBackoff, nextBackoff, turnOrder } from '../../domain/month-close-turns';
import { monthCloseRepository } from '../../infrastructure/month-close.repository';
import { InvoiceNextPage } from './invoice-next-page';

/**
 * The background worker of month-close runs, inside the service process but outside any
 * consumer transaction (a close over 100k accounts is many small transactions, one per page).
 * It polls for due runs (running, or waiting for a zone whose month has now ended by the
 * injected clock), so unfinished runs resume at start-up; several instances share runs safely
 * because each page locks its run row with SKIP LOCKED. Runs never block each other: each due
 * run gets its turn in order (one page per turn), and a run whose page throws backs off alone.
 */
@Injectable()
export class MonthCloseWorker implements OnModuleInit, BeforeApplicationShutdown {
  private readonly loop: PollLoop;
  /** The run of the last page invoiced: the next turn starts after it. */
  private lastServed: string | null = null;
  /** Runs whose last pages threw (and rolled back), and when each is tried again. */
  private readonly backoff = new Map<string, RunBackoff>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly invoiceNextPage: InvoiceNextPage,
    @Inject(INVOICING_CONFIG) private readonly config: InvoicingConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.loop = new PollLoop({
      tick: (signal) => this.tick(signal),
      intervalMs: config.MONTH_CLOSE_POLL_MS,
      busyDelayMs: config.MONTH_CLOSE_PAGE_DELAY_MS,
      maxBackoffMs: 10_000,
      logger,
      failureMessage: 'month-close worker failed; will retry',
      failureLevel: 'error',
    });
  }

  /** Starts with the module, not after the Kafka consumers joined their groups: resuming a run needs only the database. */
  onModuleInit(): void {
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** Look for work now instead of at the next poll (a run was just created). */
  notify(): void {
    this.loop.notify();
  }

  /** One page of the next due run in turn that this instance can lock; false when there was nothing to do. */
  private async tick(signal: AbortSignal): Promise<boolean> {
    const due = await monthCloseRepository.dueRunIds(this.dataSource.manager, this.clock.now().toISOString());
    for (const runId of this.backoff.keys()) if (!due.includes(runId)) this.backoff.delete(runId);
    // Backoff is measured in real elapsed time (performance.now), not by the injected business clock.
    for (const runId of turnOrder(due, this.lastServed, this.backoff, performance.now())) {
      if (signal.aborted) return false;
      let outcome;
      try {
        outcome = await this.invoiceNextPage.execute(runId);
        this.backoff.delete(runId);
      } catch (error) {
        const backoff = nextBackoff(this.backoff.get(runId), performance.now(), this.config.MONTH_CLOSE_POLL_MS, 30_000);
        this.backoff.set(runId, backoff);
        this.logger.error(
          { err: error, correlationId: runId, failures: backoff.failures, retryInMs: Math.round(backoff.until - performance.now()) },
          'month-close page failed and rolled back; this run backs off, the others go on',
        );
        continue;
      }
      if (outcome.kind === 'worked') {
        this.lastServed = runId;
        return true;
      }
    }
    return false;
  }
}
