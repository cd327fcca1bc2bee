import { DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule, ServiceRuntime } from '@billing/messaging';
import { InvoicingConfig } from './config';
import { InvoicingModule } from './invoicing/invoicing.module';

@Module({})
export class AppModule {
  static forRoot(runtime: ServiceRuntime, config: InvoicingConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceCoreModule.forRoot(runtime), InvoicingModule.forRoot(config)],
    };
  }
}
