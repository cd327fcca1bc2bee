/**
 * `npm run db:migrate`: creates each service's own database (billing_<service> on DATABASE_URL)
 * if needed and applies its TypeORM migrations. Services also migrate themselves at start-up.
 */
import 'reflect-metadata';
import { openServiceDatabase } from '@billing/messaging';
import { SERVICES } from './services';

async function main() {
  const env = { ...process.env, DATABASE_NAME: undefined };
  for (const service of SERVICES) {
    const config = service.loadConfig(env);
    const dataSource = await openServiceDatabase({
      serverUrl: config.DATABASE_URL,
      database: config.DATABASE_NAME,
      migrations: service.migrations,
    });
    const applied: { name: string }[] = await dataSource.query('SELECT name FROM migrations ORDER BY id');
    console.log(JSON.stringify({ service: service.name, database: config.DATABASE_NAME, migrations: applied.map((m) => m.name) }));
    await dataSource.destroy();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
