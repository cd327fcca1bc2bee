import { dropDatabase, openServiceDatabase } from '@billing/messaging';
import { DATABASE_SERVER_URL, uniqueName } from '@billing/testing';
import { collectionsMigrations } from '../../../database';
import { DunningTables1764300004000 } from './1764300004000-dunning-tables.migration';

/** A database that already has dunning cases gets an invoice_collections row for each, with its attempts. */
describe('invoice_collections migration', () => {
  const database = uniqueName('collectionsmigration');

  afterAll(() => dropDatabase(DATABASE_SERVER_URL, database));

  it('backfills each dunning case: total, collected when paid, the attempt requested and the one resolved', async () => {
    // given the schema before issue 12 with three cases: one waiting for its requested retry, one paid, one exhausted
    const before = await openServiceDatabase({ serverUrl: DATABASE_SERVER_URL, database, migrations: [DunningTables1764300004000] });
    const insert = `INSERT INTO dunning_cases (case_id, invoice_id, invoice_number, account_id, amount_minor, currency, customer, due_at,
      first_failed_at, attempts_made, last_attempt, status, next_retry_at, next_attempt, retry_requested_at, correlation_id, last_event_id)
      VALUES (gen_random_uuid(), $1, $2, 'acct-1', $3, $4, '{}', now(), now(), $5, '{}', $6, $7, $8, $9, 'run', gen_random_uuid())`;
    const cases = [
      ['11111111-1111-4111-8111-111111111111', 'INV-1', 5000, 'JPY', 2, 'retrying', new Date(), 3, new Date()],
      ['22222222-2222-4222-8222-222222222222', 'INV-2', 12_345, 'KWD', 3, 'paid', null, null, null],
      ['33333333-3333-4333-8333-333333333333', 'INV-3', 1999, 'USD', 4, 'exhausted', null, null, null],
    ];
    for (const c of cases) await before.query(insert, c);
    await before.destroy();

    // when the service's migrations run
    const after = await openServiceDatabase({ serverUrl: DATABASE_SERVER_URL, database, migrations: collectionsMigrations });
    const rows = await after.query(
      `SELECT invoice_number, currency, total_minor, collected_minor, last_requested_attempt, last_resolved_attempt, succeeded_attempt
       FROM invoice_collections ORDER BY invoice_number`,
    );
    await after.destroy();

    // then
    expect(rows).toEqual([
      { invoice_number: 'INV-1', currency: 'JPY', total_minor: '5000', collected_minor: '0', last_requested_attempt: 3, last_resolved_attempt: 2, succeeded_attempt: null },
      { invoice_number: 'INV-2', currency: 'KWD', total_minor: '12345', collected_minor: '12345', last_requested_attempt: 3, last_resolved_attempt: 3, succeeded_attempt: 3 },
      { invoice_number: 'INV-3', currency: 'USD', total_minor: '1999', collected_minor: '0', last_requested_attempt: 4, last_resolved_attempt: 4, succeeded_attempt: null },
    ]);
  });
});
