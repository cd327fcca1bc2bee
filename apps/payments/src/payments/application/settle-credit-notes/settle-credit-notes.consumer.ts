import { Injectable, OnModuleInit } from '@nestjs/common';
import { TOPICS } from '@billing/events';
import { ServiceRuntime } from '@billing/messaging';
import { SettleCreditNotes, SettleCreditNotesEvent } from './settle-credit-notes';

/** Consumer name: inbox key and consumer-group suffix (`<prefix>payments.settle-credit-notes`). */
export const SETTLE_CREDIT_NOTES_CONSUMER = 'settle-credit-notes';

/**
 * Kafka adapter: CreditNoteIssued on billing.invoices, with the InvoiceGenerated events before
 * it in the account's partition, so the invoice a credit note corrects is always known here
 * (its snapshot is stored by whichever of this and charge-invoices reads it first) — however far
 * behind the paced charge-invoices group is. A consumer of its own, so a credit note never waits
 * behind a backlog of charges; the order against charges is kept by the invoice row lock and
 * the `charge_in_flight` deferral (see SettleCreditNotes).
 */
@Injectable()
export class SettleCreditNotesConsumer implements OnModuleInit {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly settleCreditNotes: SettleCreditNotes,
  ) {}

  onModuleInit(): void {
    this.runtime.addConsumer({
      name: SETTLE_CREDIT_NOTES_CONSUMER,
      topics: [TOPICS.invoices],
      accepts: ['InvoiceGenerated', 'CreditNoteIssued'],
      handle: (events, { manager, logger, heartbeat }) =>
        this.settleCreditNotes.execute(events as SettleCreditNotesEvent[], manager, logger, heartbeat),
    });
  }
}
