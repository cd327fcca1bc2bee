import { DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule, ServiceRuntime } from '@billing/messaging';
import { CollectionsModule } from './collections/collections.module';
import { CollectionsConfig } from './config';

@Module({})
export class AppModule {
  /** `runtime.config` is the object `loadCollectionsConfig` returned (main.ts and the tests boot with it). */
  static forRoot(runtime: ServiceRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceCoreModule.forRoot(runtime), CollectionsModule.forRoot(runtime.config as CollectionsConfig)],
    };
  }
}
