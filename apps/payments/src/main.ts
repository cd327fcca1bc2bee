import 'reflect-metadata';
import { bootService } from '@billing/messaging';
import { AppModule } from './app.module';
import { loadPaymentsConfig } from './config';
import { paymentsEntities, paymentsMigrations } from './database';
import { setupApiDocs } from './payments/infrastructure/http/api-docs';

function main() {
  const config = loadPaymentsConfig(process.env);
  return bootService({
    config,
    entities: paymentsEntities,
    migrations: paymentsMigrations,
    module: (runtime) => AppModule.forRoot(runtime, config),
    configure: (app) => setupApiDocs(app),
  });
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
