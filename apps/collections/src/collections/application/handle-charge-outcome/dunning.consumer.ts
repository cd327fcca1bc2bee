import { Injectable, OnModuleInit } from '@nestjs/common';
import { TOPICS } from '@billing/events';
import { ServiceRuntime } from '@billing/messaging';
import { HandleChargeOutcomes } from './handle-charge-outcomes';

/**
 * Kafka adapter: charge outcomes from payments drive the dunning cases. Validation, the inbox
 * (a redelivered event changes nothing) and the transaction come from the BatchConsumer.
 * ChargeSkipped is not accepted: no provider call, nothing to chase.
 */
@Injectable()
export class DunningConsumer implements OnModuleInit {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly handleChargeOutcomes: HandleChargeOutcomes,
  ) {}

  onModuleInit(): void {
    this.runtime.addConsumer({
      name: 'dunning',
      topics: [TOPICS.payments],
      accepts: ['ChargeFailed', 'ChargeSucceeded'],
      handle: (events, { manager, logger }) => this.handleChargeOutcomes.execute(events, manager, logger),
    });
  }
}
