import { DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule, ServiceRuntime } from '@billing/messaging';
import { CollectionsModule } from './collections/collections.module';
import { CollectionsConfig } from './config';

@Module({})
export class AppModule {
  static forRoot(runtime: ServiceRuntime, config: CollectionsConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceCoreModule.forRoot(runtime), CollectionsModule.forRoot(config)],
    };
  }
}
