import { DataSource } from 'typeorm';
import { dropDatabase, openServiceDatabase } from '@billing/messaging';
import { DATABASE_SERVER_URL, uniqueName, updatesOf } from '@billing/testing';
import { invoicingMigrations } from '../../database';
import { invoiceRepository } from './invoice.repository';

const INVOICES = 2_000;
const BATCH = 200;

/**
 * Recording what charges collected, as the payments consumer does after a close: batches of
 * charge outcomes, each its own transaction, over invoices issued together. Each invoice is
 * updated once; none of its indexes covers `collected_minor`, so with room on the page the update
 * must be HOT (a new version on the same page, no index entry), not a new entry in four indexes.
 */
describe('invoiceRepository.addCollected after a close (real PostgreSQL)', () => {
  const database = uniqueName('invoicingcollected');
  let dataSource: DataSource;
  let invoices: { invoice_id: string; currency: string }[];

  beforeAll(async () => {
    dataSource = await openServiceDatabase({ serverUrl: DATABASE_SERVER_URL, database, migrations: invoicingMigrations });
    await dataSource.query(
      `INSERT INTO accounts (account_id, name, billing_email, currency, time_zone, locale, credit_balance_minor, status, created_at, updated_at)
       SELECT gen_random_uuid(), 'Account ' || i, 'billing' || i || '@example.com', CASE WHEN i % 2 = 0 THEN 'JPY' ELSE 'KWD' END,
              'Asia/Tokyo', 'en-US', 0, 'active', now(), now()
       FROM generate_series(1, $1::int) AS i`,
      [INVOICES],
    );
    // issued as a close issues them: a page at a time, each with its ~1.4 kB snapshot (the InvoiceGenerated payload)
    await dataSource.query(
      `INSERT INTO invoices (invoice_id, invoice_number, account_id, period, run_id, currency, subtotal_minor, credit_applied_minor,
         total_minor, requires_charge, issued_at, due_at, snapshot)
       SELECT gen_random_uuid(), 'INV-2026-10-' || lpad(row_number() OVER ()::text, 6, '0'), account_id, '2026-10', gen_random_uuid(), currency,
              12000, 0, 12000, true, now(), now(),
              jsonb_build_object('lines', (SELECT string_agg(md5(account_id::text || n), '') FROM generate_series(1, 42) AS n))
       FROM accounts`,
    );
    invoices = await dataSource.query('SELECT invoice_id, currency FROM invoices ORDER BY random()');
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  it('adds each JPY and KWD payment to its invoice with an update that stays on the page (HOT) for nearly all of them', async () => {
    let updated = 0;
    let hot = 0;
    for (let i = 0; i < invoices.length; i += BATCH) {
      const batch = invoices.slice(i, i + BATCH);
      await dataSource.transaction(async (manager) => {
        const counted = await updatesOf(manager, 'invoices', async () => {
          const took = await invoiceRepository.addCollected(
            manager,
            batch.map((inv) => ({ invoiceId: inv.invoice_id, currency: inv.currency.trim(), amountMinor: 12000 })),
          );
          expect(took.every(Boolean)).toBe(true);
        });
        updated += counted.updated;
        hot += counted.hot;
      });
    }

    expect(updated).toBe(INVOICES);
    const [{ collected }] = await dataSource.query(`SELECT sum(collected_minor)::bigint AS collected FROM invoices`);
    expect(Number(collected)).toBe(INVOICES * 12000);
    expect(hot / updated).toBeGreaterThan(0.75); // 0.65 here at the default fill factor (13 % in the 100,000-account close), 0.86 with room
  });
});
