import 'reflect-metadata';
import { bootService } from '@billing/messaging';
import { AppModule } from './app.module';
import { loadInvoicingConfig } from './config';
import { invoicingEntities, invoicingMigrations } from './database';

bootService({
  config: loadInvoicingConfig(process.env),
  entities: invoicingEntities,
  migrations: invoicingMigrations,
  module: (runtime) => AppModule.forRoot(runtime),
}).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
