import { DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule, ServiceRuntime } from '@billing/messaging';
import { ReportingConfig } from './config';
import { ConsoleModule } from './console/console.module';
import { FinanceModule } from './finance/finance.module';

@Module({})
export class AppModule {
  static forRoot(runtime: ServiceRuntime, config: ReportingConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceCoreModule.forRoot(runtime), FinanceModule.forRoot(config), ConsoleModule],
    };
  }
}
