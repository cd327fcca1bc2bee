import { Injectable, OnModuleInit } from '@nestjs/common';
import { TOPICS } from '@billing/events';
import { ServiceRuntime } from '@billing/messaging';
import { PaymentEvent, TrackInvoicePayments } from './track-invoice-payments';

/** ChargeSucceeded and PaymentRecorded (billing.payments) → invoicing/track-invoice-payments. */
@Injectable()
export class TrackInvoicePaymentsConsumer implements OnModuleInit {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly trackPayments: TrackInvoicePayments,
  ) {}

  onModuleInit(): void {
    this.runtime.addConsumer({
      name: 'track-invoice-payments',
      topics: [TOPICS.payments],
      accepts: ['ChargeSucceeded', 'PaymentRecorded'],
      handle: (events, { manager, logger }) => this.trackPayments.execute(manager, events as PaymentEvent[], logger),
    });
  }
}
