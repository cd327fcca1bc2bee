import { Injectable, OnModuleInit } from '@nestjs/common';
import { TOPICS } from '@billing/events';
import { ServiceRuntime } from '@billing/messaging';
import type { NotifiableEvent } from '../../domain/email-view';
import { SendEmails } from './send-emails';

/** Kafka adapter of the send-emails use case: one batch, one transaction (inbox + sent_emails + outbox). */
@Injectable()
export class SendEmailsConsumer implements OnModuleInit {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly sendEmails: SendEmails,
  ) {}

  onModuleInit(): void {
    this.runtime.addConsumer({
      name: 'send-emails',
      topics: [TOPICS.invoices, TOPICS.payments, TOPICS.collections],
      accepts: ['InvoiceGenerated', 'ChargeFailed', 'AccountHoldPlaced', 'AccountHoldReleased', 'CreditNoteIssued'],
      handle: (events, { manager, logger }) => this.sendEmails.execute(events as NotifiableEvent[], manager, logger),
    });
  }
}
