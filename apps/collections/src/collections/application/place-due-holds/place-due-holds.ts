import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccountHoldPlacedV1, Envelope, createEvent } from '@billing/events';
import { CLOCK, Clock, LOGGER, Logger, appendToOutbox } from '@billing/messaging';
import { DunningCase } from '../../domain/dunning-case';
import { ActiveHold, decideHold } from '../../domain/hold';
import { instantToMillis } from '../../domain/instant';
import { HoldChange, claimAccountsWithDueHolds, saveHolds } from '../../infrastructure/account-hold.repository';
import { StoredCase, lockCasesForAccounts } from '../../infrastructure/dunning-case.repository';
import { inTransactionNow } from '../in-transaction-now';
import { eventMeta } from '../settings';

/**
 * Puts accounts on hold once a case's grace has passed (a failure the customer must fix). In one
 * transaction: claim up to `limit` accounts without an active hold that have a due case (their
 * hold rows locked FOR UPDATE SKIP LOCKED: another instance, the consumer or a manual release
 * holding the account is skipped, never waited for), load their unpaid cases, decide, write the
 * hold and append AccountHoldPlaced. Returns how many accounts were claimed.
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

      const active = new Map<string, { hold: ActiveHold | null; correlationId: string | null }>();
      const changes: HoldChange[] = [];
      const events: Envelope[] = [];
      for (const [accountId, holdState] of accounts) {
        const accountStored = stored.filter((s) => s.case.accountId === accountId);
        const cases: DunningCase[] = accountStored.map((s) => s.case);
        const decision = decideHold(cases, holdState.state, now, randomUUID);
        if (!decision.placed) continue;
        const cause = newestDueCase(accountStored, now);
        const hold = decision.state.activeHold!;
        active.set(accountId, { hold, correlationId: cause.correlationId });
        changes.push({ accountId, hold, correlationId: cause.correlationId, release: null });
        const event = createEvent(AccountHoldPlacedV1, eventMeta(now, accountId, cause.correlationId, cause.lastEventId), decision.payload);
        events.push(event);
        this.logger.info(
          { eventId: event.eventId, correlationId: event.correlationId, accountId, holdId: hold.holdId, reason: hold.reason },
          'account placed on hold',
        );
      }
      await saveHolds(manager, active, changes);
      await appendToOutbox(manager, events);
      return accounts.size;
    });
  }
}

/** The case whose failure caused the hold: the most recently failed of the due ones. */
function newestDueCase(cases: readonly StoredCase[], now: string): StoredCase {
  const nowMs = instantToMillis(now);
  const due = cases.filter((s) => s.case.status !== 'paid' && s.case.holdDueAt !== null && instantToMillis(s.case.holdDueAt) <= nowMs);
  const pool = due.length > 0 ? due : cases;
  return [...pool].sort((a, b) => instantToMillis(b.case.lastAttempt.at) - instantToMillis(a.case.lastAttempt.at))[0];
}
