import { BeforeApplicationShutdown, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CLOCK, Clock, LOGGER, Logger } from '@billing/messaging';
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
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly requestMonthClose: RequestMonthClose,
    @Inject(INVOICING_CONFIG) private readonly config: InvoicingConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    if (!this.config.MONTH_CLOSE_SCHEDULE_ENABLED) return;
    this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .then(() => undefined)
        .catch((error) => this.logger.error({ err: error }, 'month-close scheduler failed; will retry'))
        .finally(() => this.schedule(this.config.MONTH_CLOSE_SCHEDULE_CHECK_MS));
    }, ms);
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
