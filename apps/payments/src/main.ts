import 'reflect-metadata';
import { bootService } from '@billing/messaging';
import { AppModule } from './app.module';
import { loadPaymentsConfig } from './config';
import { paymentsMigrations } from './database';
import { setupApiDocs } from './payments/infrastructure/http/api-docs';

async function main(): Promise<void> {
  const config = loadPaymentsConfig(process.env);
  await bootService({
    config,
    migrations: paymentsMigrations,
    module: (runtime) => AppModule.forRoot(runtime, config),
    configure: (app) => setupApiDocs(app),
  });
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
