import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventOf } from '@billing/events';
import { CLOCK, Clock, Logger } from '@billing/messaging';
import { monthCloseRepository } from '../../infrastructure/month-close.repository';

/**
 * month-close/start-run: MonthCloseRequested creates the period's run row (nothing else: the
 * invoicing itself is the worker's, page by page, outside this transaction). The period's first
 * request defines the runId; a request with another runId for the same period joins that run.
 */
@Injectable()
export class StartMonthCloseRun {
  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  async execute(events: readonly EventOf<'MonthCloseRequested'>[], manager: EntityManager, logger: Logger): Promise<number> {
    let created = 0;
    for (const event of events) {
      const { period, runId, requestedAt, requestedBy } = event.payload;
      const { request } = await monthCloseRepository.claimRequest(manager, {
        period,
        runId,
        eventId: event.eventId,
        requestedAt,
        requestedBy,
      });
      const started = await monthCloseRepository.createRun(manager, {
        runId: request.runId,
        period,
        requestEventId: request.eventId,
        requestedBy: request.requestedBy,
        startedAt: this.clock.now().toISOString(),
      });
      if (started) created += 1;
      logger.info(
        { eventId: event.eventId, correlationId: event.correlationId, period, runId: request.runId, joined: !started || request.runId !== runId },
        started ? 'month-close run started' : 'month close already requested for the period; joined the existing run',
      );
    }
    return created;
  }
}
