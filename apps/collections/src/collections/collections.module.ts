import { DynamicModule, Module } from '@nestjs/common';
import { CollectionsConfig, dunningPolicyOf } from '../config';
import { GetAccountHoldController } from './application/get-account-hold/get-account-hold.controller';
import { DunningConsumer } from './application/handle-charge-outcome/dunning.consumer';
import { HandleChargeOutcomes } from './application/handle-charge-outcome/handle-charge-outcomes';
import { ListHoldsController } from './application/list-holds/list-holds.controller';
import { PlaceDueHolds } from './application/place-due-holds/place-due-holds';
import { ReleaseHoldController } from './application/release-hold/release-hold.controller';
import { ReleaseHold } from './application/release-hold/release-hold';
import { RequestDueRetries } from './application/request-due-retries/request-due-retries';
import { DUNNING_POLICY, SCHEDULER_SETTINGS, SchedulerSettings } from './application/settings';
import { DunningScheduler } from './infrastructure/dunning-scheduler';

/** Dunning cases, the retry schedule and account holds. */
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
      controllers: [ListHoldsController, GetAccountHoldController, ReleaseHoldController],
      providers: [
        { provide: DUNNING_POLICY, useValue: dunningPolicyOf(config) },
        { provide: SCHEDULER_SETTINGS, useValue: scheduler },
        HandleChargeOutcomes,
        DunningConsumer,
        RequestDueRetries,
        PlaceDueHolds,
        ReleaseHold,
        DunningScheduler,
      ],
      exports: [DunningScheduler],
    };
  }
}
