import { DynamicModule, Module } from '@nestjs/common';
import { CollectionsConfig, dunningPolicyOf } from '../config';
import { GetAccountHoldController } from './application/get-account-hold/get-account-hold.controller';
import { CollectionsConsumers } from './application/collections-consumers';
import { PayInvoiceNowController } from './application/pay-invoice-now/pay-invoice-now.controller';
import { PayInvoiceNow } from './application/pay-invoice-now/pay-invoice-now';
import { ListHoldsController } from './application/list-holds/list-holds.controller';
import { PlaceDueHolds } from './application/place-due-holds/place-due-holds';
import { ReleaseHoldController } from './application/release-hold/release-hold.controller';
import { ReleaseHold } from './application/release-hold/release-hold';
import { RequestDueRetries } from './application/request-due-retries/request-due-retries';
import { DUNNING_POLICY, SCHEDULER_SETTINGS, SchedulerSettings } from './application/settings';
import { DunningScheduler } from './infrastructure/dunning-scheduler';

/** Invoices' collection state, dunning cases, the retry schedule, account holds and pay-now. */
@Module({})
export class CollectionsModule {
  static forRoot(config: CollectionsConfig): DynamicModule {
    const scheduler: SchedulerSettings = {
      enabled: config.SCHEDULER_ENABLED,
      pollMs: config.SCHEDULER_POLL_MS,
      batchSize: config.SCHEDULER_BATCH,
    };
    return {
      module: CollectionsModule,
      controllers: [ListHoldsController, GetAccountHoldController, ReleaseHoldController, PayInvoiceNowController],
      providers: [
        { provide: DUNNING_POLICY, useValue: dunningPolicyOf(config) },
        { provide: SCHEDULER_SETTINGS, useValue: scheduler },
        CollectionsConsumers,
        PayInvoiceNow,
        RequestDueRetries,
        PlaceDueHolds,
        ReleaseHold,
        DunningScheduler,
      ],
      exports: [DunningScheduler],
    };
  }
}
