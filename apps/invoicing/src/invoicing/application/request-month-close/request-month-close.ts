import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MonthCloseRequestedV1, createEvent, monthCloseKey } from '@billing/events';
import { appendToOutbox, Clock, CLOCK, newId } from '@billing/messaging';
import { comparePeriods, periodOf, previousPeriod } from '../../domain/billing-period';
import { EARLIEST_ZONE } from '../../domain/month-close-plan';
import { monthCloseRepository } from '../../infrastructure/month-close.repository';

export type RequestMonthCloseResult =
  | { ok: true; created: boolean; runId: string; period: string; requestedAt: string; requestedBy: string }
  | { ok: false; code: 'period_not_ended'; message: string };

/**
 * month-close/request (API, CLI, scheduler): publishes MonthCloseRequested through the outbox,
 * once per period. The period's request row (INSERT ... ON CONFLICT DO NOTHING) and the outbox
 * row commit together, so concurrent requests — two API calls, two scheduler instances — start
 * one run; a later request joins it and gets its runId.
 */
@Injectable()
export class RequestMonthClose {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(period: string, requestedBy: string): Promise<RequestMonthCloseResult> {
    const now = this.clock.now().toISOString();
    const latestClosable = previousPeriod(periodOf(now, EARLIEST_ZONE));
    if (comparePeriods(period, latestClosable) > 0) {
      return { ok: false, code: 'period_not_ended', message: `period ${period} has not ended in any time zone yet` };
    }
    return this.dataSource.transaction(async (manager) => {
      const existing = await monthCloseRepository.findRequest(manager, period);
      if (existing) return { ok: true, created: false, ...existing };
      const request = { period, runId: newId(), eventId: newId(), requestedAt: now, requestedBy };
      const claim = await monthCloseRepository.claimRequest(manager, request);
      if (claim.created) {
        await appendToOutbox(manager, [
          createEvent(
            MonthCloseRequestedV1,
            {
              eventId: request.eventId,
              occurredAt: now,
              producer: 'invoicing',
              accountId: monthCloseKey(period),
              correlationId: request.runId,
              causationId: null,
            },
            { runId: request.runId, period, requestedAt: now, requestedBy },
          ),
        ]);
      }
      return { ok: true, created: claim.created, ...claim.request };
    });
  }
}
