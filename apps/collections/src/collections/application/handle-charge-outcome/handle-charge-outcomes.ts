import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AccountHoldPlacedV1, AccountHoldReleasedV1, BillingEvent, Envelope, EventOf, createEvent } from '@billing/events';
import { CLOCK, Clock, Logger, appendToOutbox } from '@billing/messaging';
import { CaseDecision, DunningCase, onChargeFailed, onChargeSucceeded } from '../../domain/dunning-case';
import { decideHold, decideRelease } from '../../domain/hold';
import { DunningPolicy } from '../../domain/policy';
import { HoldChange, StoredHoldState, lockAccounts, saveHolds } from '../../infrastructure/account-hold.repository';
import { StoredCase, lockCasesForAccounts, upsertCases } from '../../infrastructure/dunning-case.repository';
import { DUNNING_POLICY, eventMeta } from '../settings';

type ChargeOutcome = EventOf<'ChargeFailed'> | EventOf<'ChargeSucceeded'>;

function isChargeOutcome(event: BillingEvent): event is ChargeOutcome {
  return event.type === 'ChargeFailed' || event.type === 'ChargeSucceeded';
}

/**
 * What happens when a charge fails or succeeds: the invoice's dunning case is opened or moved on
 * (retry scheduled, exhausted, waiting for the customer, paid), then the account's hold is
 * re-evaluated: placed when a case made it due now, released when every unpaid invoice is paid.
 *
 * One batch, one transaction: the batch's accounts are locked (stable order), their cases loaded
 * in one query, the pure decisions applied in partition order, and the changed cases, holds and
 * emitted events written in bulk.
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
    const now = this.clock.now().toISOString();

    const accountIds = [...new Set(outcomes.map((e) => e.accountId))];
    const holds = await lockAccounts(manager, accountIds);
    const heldInvoiceIds = [...holds.values()].flatMap((h) => h.state.activeHold?.invoiceIds ?? []);
    const invoiceIds = [...new Set([...outcomes.map((e) => e.payload.invoiceId), ...heldInvoiceIds])];
    const cases = new Map((await lockCasesForAccounts(manager, accountIds, invoiceIds)).map((s) => [s.case.invoiceId, s]));

    const changedCases = new Map<string, StoredCase>();
    const activeHolds = new Map<string, { hold: StoredHoldState['state']['activeHold']; correlationId: string | null }>();
    const holdChanges = new Map<string, HoldChange>();
    const emitted: Envelope[] = [];

    for (const event of outcomes) {
      const current = cases.get(event.payload.invoiceId)?.case ?? null;
      const decision: CaseDecision =
        event.type === 'ChargeFailed'
          ? onChargeFailed(current, { ...event.payload, accountId: event.accountId }, this.policy, now, randomUUID)
          : onChargeSucceeded(current, event.payload);
      if (!decision.changed) {
        logger.info(
          { eventId: event.eventId, correlationId: event.correlationId, invoiceId: event.payload.invoiceId, reason: decision.reason },
          `${event.type} changes no dunning case`,
        );
        continue;
      }
      const stored: StoredCase = { case: decision.case, correlationId: event.correlationId, lastEventId: event.eventId };
      cases.set(decision.case.invoiceId, stored);
      changedCases.set(decision.case.invoiceId, stored);
      logger.info(
        { eventId: event.eventId, correlationId: event.correlationId, invoiceId: decision.case.invoiceId, change: decision.change },
        'dunning case changed',
      );

      const holdState = holds.get(event.accountId)!;
      const accountCases: DunningCase[] = [...cases.values()].map((s) => s.case).filter((c) => c.accountId === event.accountId);
      const meta = () => eventMeta(now, event.accountId, event.correlationId, event.eventId);

      if (event.type === 'ChargeFailed') {
        const hold = decideHold(accountCases, holdState.state, now, randomUUID);
        if (!hold.placed) continue;
        const placed = hold.state.activeHold!;
        holds.set(event.accountId, { state: hold.state, correlationId: event.correlationId });
        activeHolds.set(event.accountId, { hold: placed, correlationId: event.correlationId });
        holdChanges.set(placed.holdId, { accountId: event.accountId, hold: placed, correlationId: event.correlationId, release: null });
        emitted.push(createEvent(AccountHoldPlacedV1, meta(), hold.payload));
        logger.info({ eventId: event.eventId, correlationId: event.correlationId, holdId: placed.holdId }, 'account placed on hold');
      } else {
        const release = decideRelease(accountCases, holdState.state, now);
        if (!release.released) continue;
        const released = release.state.history[release.state.history.length - 1];
        const correlationId = holdChanges.get(released.holdId)?.correlationId ?? holdState.correlationId ?? event.correlationId;
        holds.set(event.accountId, { state: release.state, correlationId: null });
        activeHolds.set(event.accountId, { hold: null, correlationId: null });
        holdChanges.set(released.holdId, { accountId: event.accountId, hold: released, correlationId, release: released });
        emitted.push(createEvent(AccountHoldReleasedV1, meta(), release.payload));
        logger.info({ eventId: event.eventId, correlationId: event.correlationId, holdId: released.holdId }, 'account hold released: paid');
      }
    }

    await upsertCases(manager, [...changedCases.values()]);
    await saveHolds(manager, activeHolds, [...holdChanges.values()]);
    await appendToOutbox(manager, emitted);
  }
}
