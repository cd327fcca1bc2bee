import { ManualClock } from '@billing/messaging';
import { waitFor } from '@billing/testing';
import { TOKENS, api, invoicingForSuite } from '../../../testing/invoicing-test-service';

const ACCOUNTS = 10_000;
const UNRATABLE = 50;

/**
 * Issue 13, done when: "A month close of 10,000 accounts of which 50 carry unratable data
 * completes with 9,950 invoices and 50 listed failures; after the data of those accounts is
 * fixed, retrying them issues their invoices, each once." Accounts and usage are bulk-inserted
 * in SQL (the API would take minutes); the 50 bill a product that has no JPY price.
 */
describe('a month close of 10,000 accounts with 50 unratable ones (real PostgreSQL and Kafka)', () => {
  const clock = new ManualClock('2026-11-20T00:00:00.000Z');
  const service = invoicingForSuite('invscale', clock);
  const db = () => service.runtime.dataSource;
  const progress = async (runId: string) => (await api(service.url, 'GET', `/v1/month-closes/${runId}`, undefined, TOKENS.finance)).body;

  beforeAll(async () => {
    const put = await api(service.url, 'PUT', '/v1/products/support.plan', { description: 'Support plan', unit: 'seat', prices: { USD: { unitPrice: '49' } } });
    expect(put.status).toBe(200);
    await db().query(
      `INSERT INTO accounts (account_id, name, billing_email, currency, time_zone, locale, credit_balance_minor, status, created_at, updated_at)
       SELECT gen_random_uuid(), 'Account ' || i, 'billing' || i || '@example.com',
              CASE WHEN i <= $2 THEN 'JPY' ELSE (ARRAY['USD','KWD','EUR'])[1 + i % 3] END,
              CASE WHEN i <= $2 THEN 'Asia/Tokyo' ELSE (ARRAY['America/Los_Angeles','Europe/Budapest','UTC'])[1 + i % 3] END,
              'en-US', 0, 'active', now(), now()
       FROM generate_series(1, $1::int) AS i`,
      [ACCOUNTS, UNRATABLE],
    );
    await db().query(
      `INSERT INTO usage_records (usage_id, account_id, sku, resource_id, quantity, occurred_at, usage_period, received_at)
       SELECT 'u-' || a.account_id, a.account_id, CASE WHEN a.currency = 'JPY' THEN 'support.plan' ELSE 'storage.gb' END,
              'r-1', 2, '2026-10-15T12:00:00Z', '2026-10', now()
       FROM accounts a`,
    );
  });

  it('completes with 9,950 invoices and 50 listed failures, then invoices each of the 50 once after their data is fixed and they are retried', async () => {
    const runId: string = (await api(service.url, 'POST', '/v1/month-closes', { period: '2026-10' })).body.runId;
    const ended = await waitFor(async () => ((await progress(runId)).status === 'completed_with_failures' ? progress(runId) : null), {
      what: 'the close to end with failures',
      timeoutMs: 90_000,
      intervalMs: 500,
    });
    expect(ended).toMatchObject({ accountsInScope: ACCOUNTS, invoiced: ACCOUNTS - UNRATABLE, failed: UNRATABLE, remaining: 0 });
    expect(ended.failures).toHaveLength(UNRATABLE);
    expect(new Set(ended.failures.map((f: { reason: string }) => f.reason))).toEqual(new Set(['price_missing: sku=support.plan, currency=JPY']));
    const [{ count: invoiced }] = await db().query(`SELECT count(*)::int AS count FROM invoices WHERE period = '2026-10'`);
    expect(invoiced).toBe(ACCOUNTS - UNRATABLE);
    // Progress after the first page (counted), every tenth page after it (tallied from the count
    // and the pages since, no query) and at the pass end (counted): 20 pages of 500. Each report
    // accounts for all 10,000 (invoiced, failed so far, remaining).
    const reports: { remaining: number; accountsInScope: number }[] = (
      await db().query(`SELECT envelope FROM outbox WHERE event_type = 'MonthCloseProgressed' ORDER BY id`)
    ).map((r: { envelope: { payload: { remaining: number; accountsInScope: number } } }) => r.envelope.payload);
    expect(reports.map((r) => r.remaining)).toEqual([ACCOUNTS - 500, ACCOUNTS - 5_500, 0]);
    expect(reports.every((r) => r.accountsInScope === ACCOUNTS)).toBe(true);

    const prices = { USD: { unitPrice: '49' }, JPY: { unitPrice: '7300' } };
    expect((await api(service.url, 'PUT', '/v1/products/support.plan', { description: 'Support plan', unit: 'seat', prices })).status).toBe(200);
    const failed: string[] = ended.failures.map((f: { accountId: string }) => f.accountId);
    for (const accountId of failed) {
      expect((await api(service.url, 'POST', `/v1/month-closes/${runId}/accounts/${accountId}/retry`)).status).toBe(202);
    }
    const done = await waitFor(async () => ((await progress(runId)).status === 'completed' ? progress(runId) : null), {
      what: 'the retried accounts to be invoiced',
      timeoutMs: 30_000,
    });
    expect(done).toMatchObject({ accountsInScope: ACCOUNTS, invoiced: ACCOUNTS, failed: 0, failures: [] });

    const perAccount: { n: number; accounts: number }[] = await db().query(
      `SELECT n, count(*)::int AS accounts FROM (SELECT count(*)::int AS n FROM invoices WHERE period = '2026-10' GROUP BY account_id) x GROUP BY n`,
    );
    expect(perAccount).toEqual([{ n: 1, accounts: ACCOUNTS }]);
    const retried: { total: number; currency: string }[] = await db().query(
      `SELECT total_minor::int AS total, currency FROM invoices WHERE account_id = ANY($1::uuid[])`,
      [failed],
    );
    expect(retried).toHaveLength(UNRATABLE);
    expect(retried.every((r) => r.total === 14_600 && r.currency === 'JPY')).toBe(true);
  }, 150_000);
});
