import 'reflect-metadata';
import { bootService } from '@billing/messaging';
import { AppModule } from './app.module';
import { loadCollectionsConfig } from './config';
import { collectionsMigrations } from './database';
import { setupApiDocs } from './collections/infrastructure/http/api-docs';

async function main(): Promise<void> {
  const config = loadCollectionsConfig(process.env);
  await bootService({
    config,
    migrations: collectionsMigrations,
    module: (runtime) => AppModule.forRoot(runtime, config),
    configure: (app) => setupApiDocs(app),
  });
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
