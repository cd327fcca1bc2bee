import { DataSource, EntityManager } from 'typeorm';
import { dropDatabase, openServiceDatabase } from '@billing/messaging';
import { DATABASE_SERVER_URL, planNodesOf, uniqueName } from '@billing/testing';
import { invoicingMigrations } from '../../database';
import { invoiceRepository } from './invoice.repository';

const ACCOUNTS = 20_000;
const INVOICED = 15_000;
const PAGE = 500;
const RUN_ID = '00000000-0000-4000-8000-000000000001';

/**
 * The month close's page lookup late in a large close: 15,000 of 20,000 accounts already have
 * their invoice for the period and the run's cursor is at the 15,000th. A page must cost the same
 * whatever the number of invoices issued before the cursor (in the close of 100,000 accounts the
 * lookup walked every invoice of the period on each page: 44,000 buffers a page after 57,000
 * invoices, O(accounts²) over the close).
 */
describe('invoiceRepository.lockPage late in a large close (real PostgreSQL)', () => {
  const database = uniqueName('invoicingpage');
  let dataSource: DataSource;
  let accountIds: string[];

  beforeAll(async () => {
    dataSource = await openServiceDatabase({ serverUrl: DATABASE_SERVER_URL, database, migrations: invoicingMigrations });
    await dataSource.query(
      `INSERT INTO accounts (account_id, name, billing_email, currency, time_zone, locale, credit_balance_minor, status, created_at, updated_at)
       SELECT gen_random_uuid(), 'Account ' || i, 'billing' || i || '@example.com', 'JPY', 'Asia/Tokyo', 'ja-JP', 0, 'active', now(), now()
       FROM generate_series(1, $1::int) AS i`,
      [ACCOUNTS],
    );
    accountIds = ((await dataSource.query('SELECT account_id FROM accounts ORDER BY account_id')) as { account_id: string }[]).map((r) => r.account_id);
    // the first 15,000 by id were invoiced by the pages before the cursor; one account after it was invoiced by a retry meanwhile
    const invoiced = [...accountIds.slice(0, INVOICED), accountIds[INVOICED + 2]];
    await dataSource.query(
      `INSERT INTO invoices (invoice_id, invoice_number, account_id, period, run_id, currency, subtotal_minor, credit_applied_minor,
         total_minor, requires_charge, issued_at, due_at, snapshot)
       SELECT gen_random_uuid(), 'INV-2026-10-' || lpad(n::text, 6, '0'), a, '2026-10', $2, 'JPY', 1200, 0, 1200, true, now(), now(), '{}'
       FROM unnest($1::uuid[]) WITH ORDINALITY AS x(a, n)`,
      [invoiced, RUN_ID],
    );
    await dataSource.query('ANALYZE accounts, invoices'); // as the service's table upkeep (or autovacuum) leaves them
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  const page = (manager: EntityManager) =>
    invoiceRepository.lockPage(manager, { runId: RUN_ID, period: '2026-10', zones: ['Asia/Tokyo'], after: accountIds[INVOICED - 1], limit: PAGE });

  it('returns the next 500 accounts after the cursor that have no invoice for the period, in id order', async () => {
    const rows = await dataSource.transaction(page);

    const expected = accountIds.slice(INVOICED).filter((_, i) => i !== 2).slice(0, PAGE);
    expect(rows.map((r) => r.account_id)).toEqual(expected);
  });

  it('reads none of the invoices issued before the cursor', async () => {
    // when the production statement is run under EXPLAIN ANALYZE
    const plan = await planNodesOf(dataSource, page, [], { analyze: true });

    // then only the invoice after the cursor is met (the lookup over the whole period met all 15,001)
    const invoiceRowsRead = plan.filter((n) => n['Relation Name'] === 'invoices').reduce((sum, n) => sum + n['Actual Rows']! * n['Actual Loops']!, 0);
    expect(invoiceRowsRead).toBeLessThanOrEqual(1);
  });
});
