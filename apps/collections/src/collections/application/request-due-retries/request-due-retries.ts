import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CLOCK, Clock, LOGGER, Logger, appendToOutbox } from '@billing/messaging';
import { decideDueRetries } from '../../domain/dunning-decider';
import { claimDueRetries, markRetriesRequested } from '../../infrastructure/dunning-case.repository';
import { recordRequestedAttempts } from '../../infrastructure/invoice-collection.repository';
import { toEnvelope } from '../envelopes';
import { inTransactionNow } from '../in-transaction-now';

/**
 * Asks payments to retry the invoices whose next retry is due (`decideDueRetries`). In one
 * transaction: claim up to `limit` due cases (FOR UPDATE SKIP LOCKED, so concurrent instances
 * never claim the same case), mark them requested and append their ChargeRetryRequested to the
 * outbox. A crash before the commit leaves the cases due (the next tick emits them); after it,
 * the outbox relay publishes them. Either way each retry is emitted once. The invoices record the
 * attempts as their latest requested (in flight until payments answers). Returns how many cases
 * were claimed.
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
      const decision = decideDueRetries({ type: 'RequestDueRetries' }, { cases: claimed.map((s) => s.case) }, { now });

      const byInvoice = new Map(claimed.map((s) => [s.case.invoiceId, s]));
      const requested = decision.state.cases.filter((c, i) => !isDeepStrictEqual(c, claimed[i].case));
      const events = decision.events.map((decided) => {
        const cause = byInvoice.get(decided.payload.invoiceId)!;
        const event = toEnvelope(decided, now, {
          accountId: cause.case.accountId,
          correlationId: cause.correlationId,
          causationId: cause.lastEventId,
        });
        this.logger.info(
          {
            eventId: event.eventId,
            correlationId: event.correlationId,
            invoiceId: decided.payload.invoiceId,
            attempt: decided.payload.attempt,
          },
          'charge retry requested',
        );
        return event;
      });
      await markRetriesRequested(manager, requested);
      await recordRequestedAttempts(manager, decision.events.map((e) => e.payload));
      await appendToOutbox(manager, events);
      return claimed.length;
    });
  }
}
