import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CLOCK, Clock, LOGGER, Logger, appendToOutbox } from '@billing/messaging';
import { decideManualRelease } from '../../domain/dunning-decider';
import { ManualReleaseErrorCode, noHold } from '../../domain/hold';
import { insertAudit, lockAccountIfKnown } from '../../infrastructure/account-hold.repository';
import { markHoldForgiven } from '../../infrastructure/dunning-case.repository';
import { toEnvelope } from '../envelopes';
import { HoldWrites } from '../hold-writes';
import { inTransactionNow } from '../in-transaction-now';

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
      const state = { hold: stored?.state ?? noHold(command.accountId) };
      const decision = decideManualRelease(
        { type: 'ReleaseHoldManually', by: command.releasedBy, reason: command.reason },
        state,
        { now },
      );
      if (decision.rejection !== null) return { ok: false, ...decision.rejection } as const;

      const [decided] = decision.events;
      const holdId = decided.payload.holdId;
      const correlationId = stored?.correlationId ?? `manual-release:${holdId}`;
      const event = toEnvelope(decided, now, { accountId: command.accountId, correlationId, causationId: null });
      const holdWrites = new HoldWrites(new Map());
      holdWrites.record(decided, decision.state.hold, correlationId);
      await holdWrites.save(manager);
      await markHoldForgiven(manager, state.hold.activeHold!.invoiceIds);
      const auditId = await insertAudit(manager, {
        accountId: command.accountId,
        holdId,
        actor: decided.payload.releasedBy!,
        reason: decided.payload.note!,
        at: now,
        eventId: event.eventId,
      });
      await appendToOutbox(manager, [event]);
      this.logger.info(
        { eventId: event.eventId, correlationId, accountId: command.accountId, holdId, releasedBy: decided.payload.releasedBy },
        'account hold released manually',
      );
      return {
        ok: true,
        accountId: command.accountId,
        holdId,
        releasedAt: now,
        releasedBy: decided.payload.releasedBy!,
        reason: decided.payload.note!,
        auditId,
        eventId: event.eventId,
      } as const;
    });
  }
}
