import 'reflect-metadata';
import { bootService } from '@billing/messaging';
import { AppModule } from './app.module';
import { loadPaymentsConfig } from './config';
import { paymentsEntities, paymentsMigrations } from './database';

bootService({
  config: loadPaymentsConfig(process.env),
  entities: paymentsEntities,
  migrations: paymentsMigrations,
  module: (runtime) => AppModule.forRoot(runtime),
}).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
