import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventOf, TOPICS } from '@billing/events';
import { ServiceRuntime } from '@billing/messaging';
import { MonthCloseWorker } from '../run-month-close/month-close-worker';
import { StartMonthCloseRun } from './start-month-close-run';

/** MonthCloseRequested (billing.month-close) → month-close/start-run; the worker then picks the run up. */
@Injectable()
export class StartMonthCloseRunConsumer implements OnModuleInit {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly startRun: StartMonthCloseRun,
    private readonly worker: MonthCloseWorker,
  ) {}

  onModuleInit(): void {
    this.runtime.addConsumer({
      name: 'start-month-close-run',
      topics: [TOPICS.monthClose],
      accepts: ['MonthCloseRequested'],
      handle: async (events, { manager, logger }) => {
        const created = await this.startRun.execute(events as EventOf<'MonthCloseRequested'>[], manager, logger);
        // The run row commits with this transaction; nudge the worker just after.
        if (created > 0) setTimeout(() => this.worker.notify(), 20);
      },
    });
  }
}
