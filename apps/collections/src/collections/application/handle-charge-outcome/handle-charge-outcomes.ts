import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { BillingEvent, Envelope, EventOf } from '@billing/events';
import { CLOCK, Clock, Logger, appendToOutbox } from '@billing/messaging';
import { DunningCase } from '../../domain/dunning-case';
import { AccountDunning, decideOnChargeOutcome } from '../../domain/dunning-decider';
import { DunningPolicy } from '../../domain/policy';
import { lockAccounts } from '../../infrastructure/account-hold.repository';
import { StoredCase, lockCasesForAccounts, upsertCases } from '../../infrastructure/dunning-case.repository';
import { toEnvelope } from '../envelopes';
import { HoldWrites } from '../hold-writes';
import { DUNNING_POLICY } from '../settings';

type ChargeOutcome = EventOf<'ChargeFailed'> | EventOf<'ChargeSucceeded'>;

const HOLD_LOG = { AccountHoldPlaced: 'account placed on hold', AccountHoldReleased: 'account hold released: paid' } as const;

function isChargeOutcome(event: BillingEvent): event is ChargeOutcome {
  return event.type === 'ChargeFailed' || event.type === 'ChargeSucceeded';
}

/**
 * What happens when a charge fails or succeeds is `decideOnChargeOutcome`; this script loads,
 * decides, saves and appends. One batch, one transaction: the batch's accounts are locked (stable
 * order), their cases loaded in one query, the outcomes decided in partition order (each on its
 * account's state as the previous ones left it), and the changed cases, holds and emitted events
 * written in bulk.
 */
@Injectable()
export class HandleChargeOutcomes {
  constructor(
    @Inject(DUNNING_POLICY) private readonly policy: DunningPolicy,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(events: readonly BillingEvent[], manager: EntityManager, logger: Logger): Promise<void> {
    const outcomes = events.filter(isChargeOutcome);
    if (outcomes.length === 0) return;
    const context = { policy: this.policy, now: this.clock.now().toISOString(), newId: randomUUID };

    const accountIds = [...new Set(outcomes.map((e) => e.accountId))];
    const holds = await lockAccounts(manager, accountIds);
    const heldInvoiceIds = [...holds.values()].flatMap((h) => h.state.activeHold?.invoiceIds ?? []);
    const invoiceIds = [...new Set([...outcomes.map((e) => e.payload.invoiceId), ...heldInvoiceIds])];
    const cases = new Map((await lockCasesForAccounts(manager, accountIds, invoiceIds)).map((s) => [s.case.invoiceId, s.case]));
    const holdStates = new Map([...holds].map(([accountId, stored]) => [accountId, stored.state]));

    const changedCases = new Map<string, StoredCase>();
    const holdWrites = new HoldWrites(holds);
    const emitted: Envelope[] = [];

    for (const event of outcomes) {
      const log = { eventId: event.eventId, correlationId: event.correlationId, invoiceId: event.payload.invoiceId };
      const before: AccountDunning = { hold: holdStates.get(event.accountId)!, cases: casesOf(cases, event) };
      const decision = decideOnChargeOutcome(event, before, context);
      if (!decision.caseOutcome.changed) {
        logger.info({ ...log, reason: decision.caseOutcome.reason }, `${event.type} changes no dunning case`);
        continue;
      }
      logger.info({ ...log, change: decision.caseOutcome.change }, 'dunning case changed');

      for (const after of decision.state.cases) {
        if (isDeepStrictEqual(cases.get(after.invoiceId), after)) continue;
        cases.set(after.invoiceId, after);
        changedCases.set(after.invoiceId, { case: after, correlationId: event.correlationId, lastEventId: event.eventId });
      }
      holdStates.set(event.accountId, decision.state.hold);
      const provenance = { accountId: event.accountId, correlationId: event.correlationId, causationId: event.eventId };
      for (const decided of decision.events) {
        holdWrites.record(decided, decision.state.hold, event.correlationId);
        emitted.push(toEnvelope(decided, context.now, provenance));
        logger.info({ ...log, holdId: decided.payload.holdId }, HOLD_LOG[decided.type]);
      }
    }

    await upsertCases(manager, [...changedCases.values()]);
    await holdWrites.save(manager);
    await appendToOutbox(manager, emitted);
  }
}

/** The account's cases, and the outcome's own case whatever account it names (the decider then refuses a mismatch). */
function casesOf(cases: ReadonlyMap<string, DunningCase>, event: ChargeOutcome): DunningCase[] {
  return [...cases.values()].filter((c) => c.accountId === event.accountId || c.invoiceId === event.payload.invoiceId);
}
