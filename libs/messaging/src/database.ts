import { Client } from 'pg';
import { DataSource, DataSourceOptions, MigrationInterface } from 'typeorm';
import { MessagingOutboxStatistics1764300030000 } from './messaging-outbox-statistics.migration';
import { MessagingOutboxClaimStatistics1764300031000 } from './messaging-outbox-claim-statistics.migration';
import { MessagingRetention1764300020000 } from './messaging-retention.migration';
import { MessagingTables1764300000000 } from './messaging-tables.migration';

/** A TypeORM migration class. */
export type MigrationClass = new () => MigrationInterface;

/** `postgres://host/db` with the database name replaced. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates the service's own database when it does not exist yet (idempotent, race-safe). */
export async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new RangeError(`invalid database name: ${database}`);
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (existing.rowCount === 0) {
      await client.query(`CREATE DATABASE ${database}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04' && error.code !== '23505') throw error; // created concurrently
      });
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new RangeError(`invalid database name: ${database}`);
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export interface ServiceDataSourceOptions {
  serverUrl: string;
  database: string;
  migrations?: MigrationClass[];
  poolSize?: number;
  /** How long an unused pooled connection stays open (default POOL_IDLE_MS). */
  poolIdleMs?: number;
}

/**
 * Pooled connections stay open through five idle minutes (node-postgres closes them after 10 s).
 * Each new connection is a new server process that forks, authenticates, rebuilds its catalog
 * caches and page-faults every shared buffer it touches into its own page tables, so a service
 * whose load comes in bursts reconnected about once a second through a month close, and a
 * bigger database made each reconnection dearer. Bounded by `poolSize` per process all the same.
 */
export const POOL_IDLE_MS = 300_000;

/** A TypeORM data source for one service's database. Schema comes from migrations only. */
export function createDataSource(options: ServiceDataSourceOptions): DataSource {
  const config: DataSourceOptions = {
    type: 'postgres',
    url: databaseUrl(options.serverUrl, options.database),
    entities: [], // services talk SQL through repositories and map no entities
    migrations: [MessagingTables1764300000000, MessagingRetention1764300020000, MessagingOutboxStatistics1764300030000, MessagingOutboxClaimStatistics1764300031000, ...(options.migrations ?? [])],
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: options.poolSize ?? 10, idleTimeoutMillis: options.poolIdleMs ?? POOL_IDLE_MS },
  };
  return new DataSource(config);
}

/** Creates the database if needed, connects and applies pending migrations. */
export async function openServiceDatabase(options: ServiceDataSourceOptions): Promise<DataSource> {
  await ensureDatabase(options.serverUrl, options.database);
  const dataSource = createDataSource(options);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}
