import 'reflect-metadata';
import { bootService } from '@billing/messaging';
import { AppModule } from './app.module';
import { emailLinksOf, loadNotificationsConfig } from './config';
import { notificationsMigrations } from './database';
import { loadTemplates } from './notifications/infrastructure/load-templates';

async function main(): Promise<void> {
  const config = loadNotificationsConfig(process.env);
  // Read, compile and check every template (rendered against sample events) once, before
  // connecting to anything: a template using a variable the events lack stops start-up here.
  const templates = await loadTemplates(config.TEMPLATES_DIR, emailLinksOf(config));
  await bootService({
    config,
    migrations: notificationsMigrations,
    module: (runtime) => AppModule.forRoot(runtime, config, templates),
  });
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
