import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccountHoldReleasedV1, createEvent } from '@billing/events';
import { CLOCK, Clock, LOGGER, Logger, appendToOutbox } from '@billing/messaging';
import { ManualReleaseErrorCode, manualRelease } from '../../domain/hold';
import { insertAudit, lockAccountIfKnown, saveHolds } from '../../infrastructure/account-hold.repository';
import { markHoldForgiven } from '../../infrastructure/dunning-case.repository';
import { inTransactionNow } from '../in-transaction-now';
import { eventMeta } from '../settings';

export interface ReleaseHoldCommand {
  readonly accountId: string;
  readonly releasedBy: string;
  readonly reason: string;
}

export type ReleaseHoldResult =
  | {
      ok: true;
      accountId: string;
      holdId: string;
      releasedAt: string;
      releasedBy: string;
      reason: string;
      auditId: number;
      eventId: string;
    }
  | { ok: false; code: ManualReleaseErrorCode; message: string };

/**
 * An admin lifts an account's hold before its invoices are paid. In one transaction, with the
 * account locked: the hold is released, the release is audited (who, why, when), the invoices
 * it listed stop counting towards a new hold, and AccountHoldReleased (reason `manual`) is
 * appended to the outbox. Expected refusals (no active hold) come back as coded values.
 */
@Injectable()
export class ReleaseHold {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(command: ReleaseHoldCommand): Promise<ReleaseHoldResult> {
    return inTransactionNow(this.dataSource, this.clock, async (manager, now) => {
      const stored = await lockAccountIfKnown(manager, command.accountId);
      if (stored === null || stored.state.activeHold === null) {
        return { ok: false, code: 'no_active_hold', message: `account ${command.accountId} is not on hold` } as const;
      }
      const decision = manualRelease(stored.state, { by: command.releasedBy, reason: command.reason }, now);
      if (!decision.ok) return { ok: false, ...decision.error } as const;

      const hold = stored.state.activeHold;
      const released = decision.state.history[decision.state.history.length - 1];
      const correlationId = stored.correlationId ?? `manual-release:${hold.holdId}`;
      const event = createEvent(AccountHoldReleasedV1, eventMeta(now, command.accountId, correlationId, null), decision.payload);

      await saveHolds(manager, new Map([[command.accountId, { hold: null, correlationId: null }]]), [
        { accountId: command.accountId, hold, correlationId, release: released },
      ]);
      await markHoldForgiven(manager, hold.invoiceIds);
      const auditId = await insertAudit(manager, {
        accountId: command.accountId,
        holdId: hold.holdId,
        actor: released.releasedBy!,
        reason: released.note!,
        at: now,
        eventId: event.eventId,
      });
      await appendToOutbox(manager, [event]);
      this.logger.info(
        { eventId: event.eventId, correlationId, accountId: command.accountId, holdId: hold.holdId, releasedBy: released.releasedBy },
        'account hold released manually',
      );
      return {
        ok: true,
        accountId: command.accountId,
        holdId: hold.holdId,
        releasedAt: now,
        releasedBy: released.releasedBy!,
        reason: released.note!,
        auditId,
        eventId: event.eventId,
      } as const;
    });
  }
}
