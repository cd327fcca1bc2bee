import 'reflect-metadata';
import { bootService } from '@billing/messaging';
import { AppModule } from './app.module';
import { loadReportingConfig } from './config';
import { reportingMigrations } from './database';
import { setupApiDocs } from './finance/infrastructure/http/api-docs';

async function main(): Promise<void> {
  const config = loadReportingConfig(process.env);
  await bootService({
    config,
    migrations: reportingMigrations,
    // The reporting service publishes nothing, so it runs no outbox relay.
    relay: false,
    module: (runtime) => AppModule.forRoot(runtime, config),
    configure: (app) => setupApiDocs(app),
  });
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
