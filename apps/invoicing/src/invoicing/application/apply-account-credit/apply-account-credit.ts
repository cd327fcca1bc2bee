import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventOf } from '@billing/events';
import { Logger, PermanentError } from '@billing/messaging';
import { creditNoteRepository } from '../../infrastructure/credit-note.repository';

export type CreditNoteSettledEvent = EventOf<'CreditNoteSettled'>;

/**
 * invoicing/apply-account-credit: when payments settled a credit note by giving the already
 * collected part back as account credit (`accountCreditMinor > 0`), adds it to the account's credit
 * balance — which the account's next invoice applies as `creditAppliedMinor`. Exactly once per credit
 * note: the consumer's inbox drops a redelivered event, and `credit_note_settlements` (one row per
 * credit note) drops another event settling the same note. Runs in the consumer's transaction.
 *
 * A settlement of a credit note invoicing never issued, or in another currency than the note, or for
 * an account no longer in that currency (its currency changed meanwhile) cannot be applied safely: it
 * is dead-lettered with the reason (PermanentError), for finance to resolve, never dropped.
 * Settlements are rare (one per credit note), so each is applied with its own few statements.
 */
@Injectable()
export class ApplyAccountCredit {
  async execute(manager: EntityManager, events: readonly CreditNoteSettledEvent[], logger: Logger): Promise<void> {
    for (const event of events) {
      const p = event.payload;
      if (p.accountCreditMinor === 0) continue;
      const note = (await creditNoteRepository.findById(manager, p.creditNoteId));
      if (note === null) throw new PermanentError('unknown_credit_note', `CreditNoteSettled ${event.eventId}: invoicing issued no credit note ${p.creditNoteId}`);
      if (note.currency !== p.currency) {
        throw new PermanentError('currency_mismatch', `CreditNoteSettled ${event.eventId}: credit note ${note.creditNoteNumber} is in ${note.currency}, the settlement in ${p.currency}`);
      }
      const settlement = { creditNoteId: p.creditNoteId, accountId: note.accountId, currency: p.currency, accountCreditMinor: p.accountCreditMinor, settledAt: p.settledAt, eventId: event.eventId };
      const log = { eventId: event.eventId, correlationId: event.correlationId, creditNoteId: p.creditNoteId, accountId: note.accountId };
      if (!(await creditNoteRepository.recordSettlement(manager, settlement))) {
        logger.info(log, 'credit note already settled into account credit; not adding it again');
        continue;
      }
      const added = await creditNoteRepository.addAccountCredit(manager, { accountId: note.accountId, currency: p.currency, amountMinor: p.accountCreditMinor }, p.settledAt);
      if (!added) {
        throw new PermanentError('account_currency_changed', `CreditNoteSettled ${event.eventId}: account ${note.accountId} is no longer in ${p.currency}; ${p.accountCreditMinor} not credited`);
      }
      logger.info({ ...log, accountCreditMinor: p.accountCreditMinor, currency: p.currency }, 'account credit added from a credit note');
    }
  }
}
