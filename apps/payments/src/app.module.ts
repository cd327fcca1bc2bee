import { DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule, ServiceRuntime } from '@billing/messaging';
import { PaymentsConfig } from './config';
import { PaymentsModule } from './payments/payments.module';

@Module({})
export class AppModule {
  static forRoot(runtime: ServiceRuntime, config: PaymentsConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceCoreModule.forRoot(runtime), PaymentsModule.forRoot(config)],
    };
  }
}
