import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { DATABASE_SERVER_URL, uniqueName } from '@billing/testing';
import { dropDatabase, openServiceDatabase } from './database';

/**
 * A service's pool keeps its connections through idle spells longer than node-postgres' 10 s
 * default: every reconnection is a new server process (fork, catalog caches, page tables for the
 * shared buffers), and a service under bursty load reconnected about once a second in a close.
 */
describe('service connection pool (real PostgreSQL)', () => {
  const kept = uniqueName('poolkept');
  const released = uniqueName('poolfree');
  const sources: DataSource[] = [];
  const admin = new Client({ connectionString: DATABASE_SERVER_URL });

  beforeAll(async () => {
    await admin.connect();
    sources.push(await openServiceDatabase({ serverUrl: DATABASE_SERVER_URL, database: kept }));
    sources.push(await openServiceDatabase({ serverUrl: DATABASE_SERVER_URL, database: released, poolIdleMs: 200 }));
  });

  afterAll(async () => {
    await Promise.all(sources.map((s) => s.destroy()));
    await Promise.all([kept, released].map((d) => dropDatabase(DATABASE_SERVER_URL, d)));
    await admin.end();
  });

  /** The server processes serving a database, as the server sees them. */
  const backends = async (database: string): Promise<number[]> =>
    (await admin.query('SELECT pid FROM pg_stat_activity WHERE datname = $1 ORDER BY pid', [database])).rows.map((r) => r.pid);

  /** Three statements at once: the pool opens three connections. */
  const burst = (source: DataSource) => Promise.all([1, 2, 3].map(() => source.query('SELECT pg_sleep(0.05)')));

  it('keeps the same three server processes after 11 idle seconds, and closes them after the idle time it is given', async () => {
    await Promise.all(sources.map(burst));
    const before = await backends(kept);
    expect(before).toHaveLength(3);
    expect(await backends(released)).toHaveLength(3);

    await new Promise((r) => setTimeout(r, 11_000));
    expect(await backends(kept)).toEqual(before);
    expect(await backends(released)).toEqual([]);

    await burst(sources[0]);
    expect(await backends(kept)).toEqual(before);
  }, 30_000);
});
