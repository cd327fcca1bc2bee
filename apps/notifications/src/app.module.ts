import { DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule, ServiceRuntime } from '@billing/messaging';
import type { NotificationsConfig } from './config';
import type { EmailTemplates } from './notifications/domain/templates';
import { NotificationsModule } from './notifications/notifications.module';

@Module({})
export class AppModule {
  static forRoot(runtime: ServiceRuntime, config: NotificationsConfig, templates?: EmailTemplates): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceCoreModule.forRoot(runtime), NotificationsModule.forRoot(config, templates)],
    };
  }
}
