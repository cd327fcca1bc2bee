import { BeforeApplicationShutdown, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CLOCK, Clock, LOGGER, Logger, PollLoop } from '@billing/messaging';
import { INVOICING_CONFIG, InvoicingConfig } from '../../../config';
import { periodOf, previousPeriod } from '../../domain/billing-period';
import { EARLIEST_ZONE } from '../../domain/month-close-plan';
import { monthCloseRepository } from '../../infrastructure/month-close.repository';
import { RequestMonthClose } from '../request-month-close/request-month-close';

/**
 * month-close/schedule: every MONTH_CLOSE_SCHEDULE_CHECK_MS, requests the month close of the
 * month that has just ended (by the injected clock, in the zone furthest ahead), once per period.
 * Persistent and safe with several instances: the period's request row is unique and is inserted
 * with ON CONFLICT DO NOTHING in the same transaction as the outbox append. Each account is then
 * invoiced only when the month has ended in its own zone (plus grace). MONTH_CLOSE_SCHEDULE_ENABLED=false
 * switches it off; the API and the CLI keep working.
 */
@Injectable()
export class MonthCloseScheduler implements OnModuleInit, BeforeApplicationShutdown {
  private readonly loop: PollLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly requestMonthClose: RequestMonthClose,
    @Inject(INVOICING_CONFIG) private readonly config: InvoicingConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    // A failed check is tried again at the next one, without back-off (maxBackoffMs = the interval).
    this.loop = new PollLoop({
      tick: () => this.tick().then(() => false),
      intervalMs: config.MONTH_CLOSE_SCHEDULE_CHECK_MS,
      maxBackoffMs: config.MONTH_CLOSE_SCHEDULE_CHECK_MS,
      logger,
      failureMessage: 'month-close scheduler failed; will retry',
      failureLevel: 'error',
    });
  }

  onModuleInit(): void {
    if (this.config.MONTH_CLOSE_SCHEDULE_ENABLED) this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** Requests the period that has just ended unless it already was; returns it when this call requested it. */
  async tick(): Promise<string | null> {
    const period = previousPeriod(periodOf(this.clock.now().toISOString(), EARLIEST_ZONE));
    if (await monthCloseRepository.findRequest(this.dataSource.manager, period)) return null;
    const result = await this.requestMonthClose.execute(period, 'scheduler');
    if (!result.ok || !result.created) return null;
    this.logger.info({ period, correlationId: result.runId }, 'scheduled month close requested');
    return period;
  }
}
