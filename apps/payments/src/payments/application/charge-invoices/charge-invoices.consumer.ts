import { Injectable, OnModuleInit } from '@nestjs/common';
import { TOPICS } from '@billing/events';
import { ServiceRuntime } from '@billing/messaging';
import { ChargeInvoices, ChargeRequestEvent } from './charge-invoices';

/** Kafka adapter: InvoiceGenerated (billing.invoices) and ChargeRetryRequested (billing.collections). */
@Injectable()
export class ChargeInvoicesConsumer implements OnModuleInit {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly chargeInvoices: ChargeInvoices,
  ) {}

  onModuleInit(): void {
    this.runtime.addConsumer({
      name: 'charge-invoices',
      topics: [TOPICS.invoices, TOPICS.collections],
      accepts: ['InvoiceGenerated', 'ChargeRetryRequested'],
      handle: (events, { manager, logger }) => this.chargeInvoices.execute(events as ChargeRequestEvent[], manager, logger),
    });
  }
}
