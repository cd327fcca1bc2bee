import 'reflect-metadata';
import { bootService } from '@billing/messaging';
import { AppModule } from './app.module';
import { loadReportingConfig } from './config';
import { reportingEntities, reportingMigrations } from './database';

bootService({
  config: loadReportingConfig(process.env),
  entities: reportingEntities,
  migrations: reportingMigrations,
  module: (runtime) => AppModule.forRoot(runtime),
}).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
