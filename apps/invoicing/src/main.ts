import 'reflect-metadata';
import { bootService } from '@billing/messaging';
import { AppModule } from './app.module';
import { loadInvoicingConfig } from './config';
import { invoicingMigrations } from './database';
import { setupApiDocs } from './invoicing/infrastructure/http/api-docs';

async function main(): Promise<void> {
  const config = loadInvoicingConfig(process.env);
  await bootService({
    config,
    migrations: invoicingMigrations,
    module: (runtime) => AppModule.forRoot(runtime, config),
    configure: (app) => setupApiDocs(app),
  });
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
