import 'reflect-metadata';
import { bootService } from '@billing/messaging';
import { AppModule } from './app.module';
import { loadCollectionsConfig } from './config';
import { setupApiDocs } from './collections/infrastructure/http/api-docs';
import { collectionsEntities, collectionsMigrations } from './database';

bootService({
  config: loadCollectionsConfig(process.env),
  entities: collectionsEntities,
  migrations: collectionsMigrations,
  module: (runtime) => AppModule.forRoot(runtime),
  configure: (app) => setupApiDocs(app),
}).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
