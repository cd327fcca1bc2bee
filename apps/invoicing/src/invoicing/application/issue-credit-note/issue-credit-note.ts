import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CreditNoteIssuedV1, createEvent } from '@billing/events';
import { appendToOutbox, Clock, CLOCK, eventMeta, newId } from '@billing/messaging';
import { lockIdempotencyKey, requestFingerprint } from '../../../shared/idempotency';
import {
  CreditNoteRefusalCode,
  CreditNoteRequest,
  creditNoteMonth,
  decideCreditNote,
  formatCreditNoteNumber,
  numberCreditNote,
} from '../../domain/credit-note';
import { StoredCreditNote, creditNoteRepository } from '../../infrastructure/credit-note.repository';
import { PRODUCER } from '../run-month-close/month-close-events';

export interface IssueCreditNoteCommand {
  invoiceId: string;
  idempotencyKey: string;
  /** Who asked (the caller's roles): recorded on the note, not part of "the same request". */
  issuedBy: string;
  request: CreditNoteRequest;
}

export type IssueCreditNoteResult =
  | { readonly ok: true; readonly replayed: boolean; readonly creditNote: StoredCreditNote }
  | {
      readonly ok: false;
      readonly code: CreditNoteRefusalCode | 'not_found' | 'idempotency_key_reused';
      readonly message: string;
      readonly field?: string;
    };

/**
 * invoices/credit-notes/issue (and invoices/void, a credit note of kind `void`): corrects an issued
 * invoice with a new, immutable document. In one transaction: lock the invoice (and its account),
 * decide (`decideCreditNote`), take the next number of the month's sequence, insert the note and
 * its lines, add its total to the invoice's credited amount (a void marks the invoice voided and
 * gives the prepaid credit it spent back to the account), append CreditNoteIssued to the outbox.
 * A refusal writes nothing and takes no number; a rollback gives the number back (gap-free).
 *
 * Idempotency: one credit note per `Idempotency-Key`. The same key with the same request (invoice,
 * operation, reason, paidPartTo, lines, currency) answers the first note again and writes nothing;
 * with another request it is refused. A refused request stores nothing, so its key may be used again.
 */
@Injectable()
export class IssueCreditNote {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(command: IssueCreditNoteCommand): Promise<IssueCreditNoteResult> {
    const fingerprint = requestFingerprint([command.invoiceId, command.request]);
    return this.dataSource.transaction(async (manager) => {
      await lockIdempotencyKey(manager, command.idempotencyKey);
      const earlier = await creditNoteRepository.findByKey(manager, command.idempotencyKey);
      if (earlier !== null) {
        if (earlier.fingerprint === fingerprint) return { ok: true, replayed: true, creditNote: earlier.note };
        return {
          ok: false,
          code: 'idempotency_key_reused',
          message: 'this Idempotency-Key was already used for another request; use a new key for a new credit note',
        };
      }

      const invoice = await creditNoteRepository.lockInvoice(manager, command.invoiceId);
      if (invoice === null) return { ok: false, code: 'not_found', message: `invoice ${command.invoiceId} does not exist` };
      const now = this.clock.now().toISOString();
      const decision = decideCreditNote(command.request, invoice, { creditNoteId: newId(), issuedAt: now, issuedBy: command.issuedBy });
      if (!decision.ok) return decision;

      const month = creditNoteMonth(now);
      const payload = numberCreditNote(decision.draft, formatCreditNoteNumber(month, await creditNoteRepository.allocateNumber(manager, month)));
      const event = createEvent(
        CreditNoteIssuedV1,
        eventMeta(PRODUCER, now, { accountId: invoice.accountId, correlationId: invoice.runId, causationId: null }),
        payload,
      );
      const creditNote: StoredCreditNote = { ...payload, accountId: invoice.accountId };
      await creditNoteRepository.insert(manager, creditNote, { idempotencyKey: command.idempotencyKey, fingerprint });
      if (decision.creditRestoredMinor > 0) {
        const restored = await creditNoteRepository.addAccountCredit(
          manager,
          { accountId: invoice.accountId, currency: invoice.currency, amountMinor: decision.creditRestoredMinor },
          now,
        );
        // A currency change is refused while an invoice is unpaid, so only a bug gets here: roll back.
        if (!restored) throw new Error(`account ${invoice.accountId} is no longer in ${invoice.currency}: cannot give back the credit invoice ${invoice.invoiceNumber} spent`);
      }
      await appendToOutbox(manager, [event]);
      return { ok: true, replayed: false, creditNote };
    });
  }
}
