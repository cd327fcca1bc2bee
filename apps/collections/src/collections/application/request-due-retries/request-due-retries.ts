import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ChargeRetryRequestedV1, Envelope, createEvent } from '@billing/events';
import { CLOCK, Clock, LOGGER, Logger, appendToOutbox } from '@billing/messaging';
import { DunningCase } from '../../domain/dunning-case';
import { retryDue } from '../../domain/retry-due';
import { claimDueRetries, markRetriesRequested } from '../../infrastructure/dunning-case.repository';
import { inTransactionNow } from '../in-transaction-now';
import { eventMeta } from '../settings';

/**
 * Asks payments to retry the invoices whose next retry is due. In one transaction: claim up to
 * `limit` due cases (FOR UPDATE SKIP LOCKED, so concurrent instances never claim the same case),
 * mark them requested and append their ChargeRetryRequested to the outbox. A crash before the
 * commit leaves the cases due (the next tick emits them); after it, the outbox relay publishes
 * them. Either way each retry is emitted once. Returns how many cases were claimed.
 */
@Injectable()
export class RequestDueRetries {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(limit: number): Promise<number> {
    return inTransactionNow(this.dataSource, this.clock, async (manager, now) => {
      const claimed = await claimDueRetries(manager, now, limit);
      const requested: DunningCase[] = [];
      const events: Envelope[] = [];
      for (const stored of claimed) {
        const decision = retryDue(stored.case, now);
        if (!decision.due) continue;
        requested.push(decision.case);
        const event = createEvent(
          ChargeRetryRequestedV1,
          eventMeta(now, stored.case.accountId, stored.correlationId, stored.lastEventId),
          decision.payload,
        );
        events.push(event);
        this.logger.info(
          {
            eventId: event.eventId,
            correlationId: event.correlationId,
            invoiceId: decision.payload.invoiceId,
            attempt: decision.payload.attempt,
          },
          'charge retry requested',
        );
      }
      await markRetriesRequested(manager, requested);
      await appendToOutbox(manager, events);
      return claimed.length;
    });
  }
}
