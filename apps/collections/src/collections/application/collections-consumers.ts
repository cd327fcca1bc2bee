import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { CLOCK, Clock, ServiceRuntime } from '@billing/messaging';
import { DunningPolicy } from '../domain/policy';
import { closeCreditedInvoice } from './close-credited-invoice/close-credited-invoice.consumer';
import { addDecidingConsumer } from './deciding-consumer';
import { handleChargeOutcomes } from './handle-charge-outcomes/handle-charge-outcomes.consumer';
import { recordChargeSkip } from './record-charge-skip/record-charge-skip.consumer';
import { recordInvoice } from './record-invoice/record-invoice.consumer';
import { recordOfflinePayment } from './record-offline-payment/record-offline-payment.consumer';
import { retryOnNewPaymentMethod } from './retry-on-new-payment-method/retry-on-new-payment-method.consumer';
import { DUNNING_POLICY } from './settings';

/** Registers collections' Kafka consumers, one per use case (each defined in its use-case folder). */
@Injectable()
export class CollectionsConsumers implements OnModuleInit {
  constructor(
    private readonly runtime: ServiceRuntime,
    @Inject(DUNNING_POLICY) private readonly policy: DunningPolicy,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    const deps = { policy: this.policy, clock: this.clock };
    addDecidingConsumer(this.runtime, deps, handleChargeOutcomes);
    addDecidingConsumer(this.runtime, deps, recordInvoice);
    addDecidingConsumer(this.runtime, deps, retryOnNewPaymentMethod);
    addDecidingConsumer(this.runtime, deps, recordChargeSkip);
    addDecidingConsumer(this.runtime, deps, recordOfflinePayment);
    addDecidingConsumer(this.runtime, deps, closeCreditedInvoice);
  }
}
