import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { TOPICS } from '@billing/events';
import { ServiceRuntime } from '@billing/messaging';
import { PROVIDER_CALL_OPTIONS, ProviderCallOptions } from '../plan-call-record';
import { ChargeInvoices, ChargeInvoicesEvent } from './charge-invoices';

/** Consumer name: inbox key and consumer-group suffix (`<prefix>payments.charge-invoices`). */
export const CHARGE_INVOICES_CONSUMER = 'charge-invoices';

/**
 * Kafka adapter: InvoiceGenerated and AccountPaymentMethodChanged (billing.invoices, in the
 * account's partition order) and ChargeRetryRequested (billing.collections). Method changes are
 * read here, not by a consumer of their own, so that a batch applies them in order with the
 * invoices of the same partition.
 */
@Injectable()
export class ChargeInvoicesConsumer implements OnModuleInit {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly chargeInvoices: ChargeInvoices,
    @Inject(PROVIDER_CALL_OPTIONS) private readonly options: ProviderCallOptions,
  ) {}

  onModuleInit(): void {
    this.runtime.addConsumer({
      name: CHARGE_INVOICES_CONSUMER,
      topics: [TOPICS.invoices, TOPICS.collections],
      accepts: ['InvoiceGenerated', 'AccountPaymentMethodChanged', 'ChargeRetryRequested'],
      batchSize: this.options.batchSize,
      handle: (events, { manager, logger, heartbeat }) =>
        this.chargeInvoices.execute(events as ChargeInvoicesEvent[], manager, logger, heartbeat),
    });
  }
}
