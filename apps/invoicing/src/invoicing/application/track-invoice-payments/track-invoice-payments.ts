import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventOf } from '@billing/events';
import { Logger } from '@billing/messaging';
import { invoiceRepository } from '../../infrastructure/invoice.repository';

export type PaymentEvent = EventOf<'ChargeSucceeded'> | EventOf<'PaymentRecorded'>;

/**
 * invoicing/track-invoice-payments: adds what payments collected (a successful charge, an
 * offline payment) to the invoice's `collected_minor`, so that invoicing knows which invoices
 * are unpaid (a currency change is refused while one is). Runs in the consumer's inbox
 * transaction: an event delivered twice is counted once. A payment for an invoice invoicing
 * does not hold, or in another currency than the invoice's, changes nothing and is logged.
 */
@Injectable()
export class TrackInvoicePayments {
  async execute(manager: EntityManager, events: readonly PaymentEvent[], logger: Logger): Promise<void> {
    const collected = events.map((e) => ({ invoiceId: e.payload.invoiceId, currency: e.payload.currency, amountMinor: e.payload.amountMinor }));
    const applied = await invoiceRepository.addCollected(manager, collected);
    for (const [i, ok] of applied.entries()) {
      if (!ok) logger.warn({ eventId: events[i].eventId, invoiceId: collected[i].invoiceId, currency: collected[i].currency }, 'payment for an invoice invoicing does not hold in that currency: ignored');
    }
  }
}
