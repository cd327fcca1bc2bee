import 'reflect-metadata';
import { bootService } from '@billing/messaging';
import { AppModule } from './app.module';
import { loadInvoicingConfig } from './config';
import { invoicingEntities, invoicingMigrations } from './database';
import { setupApiDocs } from './invoicing/infrastructure/http/api-docs';

bootService({
  config: loadInvoicingConfig(process.env),
  entities: invoicingEntities,
  migrations: invoicingMigrations,
  module: (runtime) => AppModule.forRoot(runtime),
  configure: (app) => setupApiDocs(app),
}).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
