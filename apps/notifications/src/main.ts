import 'reflect-metadata';
import { bootService } from '@billing/messaging';
import { AppModule } from './app.module';
import { loadNotificationsConfig } from './config';
import { notificationsEntities, notificationsMigrations } from './database';

bootService({
  config: loadNotificationsConfig(process.env),
  entities: notificationsEntities,
  migrations: notificationsMigrations,
  module: (runtime) => AppModule.forRoot(runtime),
}).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
