import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Envelope } from '@billing/events';
import { CLOCK, Clock, LOGGER, Logger, appendToOutbox } from '@billing/messaging';
import { decideDueHold } from '../../domain/dunning-decider';
import { claimAccountsWithDueHolds } from '../../infrastructure/account-hold.repository';
import { lockCasesForAccounts } from '../../infrastructure/dunning-case.repository';
import { toEnvelope } from '../envelopes';
import { HoldWrites } from '../hold-writes';
import { inTransactionNow } from '../in-transaction-now';

/**
 * Puts accounts on hold once a case's grace has passed (`decideDueHold`). In one transaction:
 * claim up to `limit` accounts without an active hold that have a due case (their hold rows
 * locked FOR UPDATE SKIP LOCKED: another instance, the consumer or a manual release holding the
 * account is skipped, never waited for), load their unpaid cases, decide, write the hold and
 * append AccountHoldPlaced, caused by the failure that made it due. Returns how many accounts
 * were claimed.
 */
@Injectable()
export class PlaceDueHolds {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(limit: number): Promise<number> {
    return inTransactionNow(this.dataSource, this.clock, async (manager, now) => {
      const accounts = await claimAccountsWithDueHolds(manager, now, limit);
      if (accounts.size === 0) return 0;
      const stored = await lockCasesForAccounts(manager, [...accounts.keys()], []);

      const holdWrites = new HoldWrites(accounts);
      const events: Envelope[] = [];
      for (const [accountId, holdState] of accounts) {
        const accountStored = stored.filter((s) => s.case.accountId === accountId);
        const state = { hold: holdState.state, cases: accountStored.map((s) => s.case) };
        const decision = decideDueHold({ type: 'PlaceDueHold' }, state, { now, newId: randomUUID });
        const cause = accountStored.find((s) => s.case.invoiceId === decision.causedBy);
        for (const decided of decision.events) {
          if (!cause) throw new Error(`hold ${decided.payload.holdId} of account ${accountId} has no cause among its cases`);
          holdWrites.record(decided, decision.state.hold, cause.correlationId);
          const event = toEnvelope(decided, now, { accountId, correlationId: cause.correlationId, causationId: cause.lastEventId });
          events.push(event);
          this.logger.info(
            {
              eventId: event.eventId,
              correlationId: event.correlationId,
              accountId,
              holdId: decided.payload.holdId,
              reason: decided.payload.reason,
            },
            'account placed on hold',
          );
        }
      }
      await holdWrites.save(manager);
      await appendToOutbox(manager, events);
      return accounts.size;
    });
  }
}
