import { DynamicModule, Global, Module } from '@nestjs/common';
import { ServiceCoreModule, ServiceRuntime } from '@billing/messaging';
import { REPORTING_CONFIG, ReportingConfig } from './config';
import { ConsoleModule } from './console/console.module';
import { FinanceModule } from './finance/finance.module';

@Global()
@Module({})
class ReportingConfigModule {
  static forRoot(config: ReportingConfig): DynamicModule {
    return {
      module: ReportingConfigModule,
      providers: [{ provide: REPORTING_CONFIG, useValue: config }],
      exports: [REPORTING_CONFIG],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(runtime: ServiceRuntime, config: ReportingConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceCoreModule.forRoot(runtime), ReportingConfigModule.forRoot(config), FinanceModule, ConsoleModule],
    };
  }
}
