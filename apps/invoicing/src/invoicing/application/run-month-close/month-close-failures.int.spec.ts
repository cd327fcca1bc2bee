import { randomUUID } from 'node:crypto';
import { BillingEvent, parseEvent } from '@billing/events';
import { ManualClock } from '@billing/messaging';
import { waitFor } from '@billing/testing';
import { TOKENS, api, invoicingForSuite } from '../../../testing/invoicing-test-service';

/**
 * Issue 13, the finding: rating one account threw inside the page transaction, the page rolled
 * back, and the worker retried that run for ever — no run on the stack got past "invoiced 0".
 * Here one close holds three accounts whose invoice cannot be computed (an amount that leaves the
 * safe-integer range, a price typed with a decimal comma, a SKU without a JPY price), next to
 * good accounts; pages of two mix them. The data is broken directly in SQL, where the API's
 * bounds cannot stop it.
 */
describe('month close with accounts it cannot invoice (real PostgreSQL and Kafka)', () => {
  const clock = new ManualClock('2026-11-20T00:00:00.000Z');
  const service = invoicingForSuite('invfail', clock, { MONTH_CLOSE_PAGE_SIZE: '2' });
  const ids = { usd: '', jpy: '', kwd: '', overflow: '', comma: '', noPrice: '' };
  let novemberRun = '';
  let octoberRun = '';

  const db = () => service.runtime.dataSource;
  const progress = async (runId: string) => (await api(service.url, 'GET', `/v1/month-closes/${runId}`, undefined, TOKENS.finance)).body;
  const retry = (runId: string, accountId: string, token: string | null = TOKENS.operator) =>
    api(service.url, 'POST', `/v1/month-closes/${runId}/accounts/${accountId}/retry`, undefined, token);
  const ended = (runId: string, status: string) =>
    waitFor(async () => ((await progress(runId)).status === status ? progress(runId) : null), { what: `run ${runId} to end ${status}` });
  const outbox = async (type: string): Promise<BillingEvent[]> =>
    (await db().query(`SELECT envelope FROM outbox WHERE event_type = $1 ORDER BY id`, [type])).map((r: { envelope: unknown }) => {
      const parsed = parseEvent(r.envelope);
      if (!parsed.ok) throw new Error(parsed.message);
      return parsed.event;
    });
  const invoicesOf = async (period: string): Promise<Map<string, number>> =>
    new Map(
      (await db().query(`SELECT account_id, count(*)::int AS n FROM invoices WHERE period = $1 GROUP BY account_id`, [period])).map(
        (r: { account_id: string; n: number }) => [r.account_id, r.n],
      ),
    );

  beforeAll(async () => {
    ids.usd = await service.createAccount({ name: 'LA Corp', currency: 'USD', timeZone: 'America/Los_Angeles' });
    ids.jpy = await service.createAccount({ name: 'Tokyo KK', currency: 'JPY', timeZone: 'Asia/Tokyo', locale: 'ja-JP' });
    ids.kwd = await service.createAccount({ name: 'Kuwait Co', currency: 'KWD', timeZone: 'Asia/Kuwait', locale: 'ar-KW' });
    ids.overflow = await service.createAccount({ name: 'Overflow Inc', currency: 'USD', timeZone: 'UTC' });
    ids.comma = await service.createAccount({ name: 'Comma GmbH', currency: 'USD', timeZone: 'Europe/Berlin', locale: 'de-DE' });
    ids.noPrice = await service.createAccount({ name: 'No Price KK', currency: 'JPY', timeZone: 'Asia/Tokyo', locale: 'ja-JP' });
    // Prices the API would refuse, written straight into the price list.
    await db().query(
      `INSERT INTO products (sku, description, unit, prices, updated_at) VALUES
         ('vm.colossal', 'Colossal VM', 'hour', '{"USD": {"unitPrice": "100000000000000000000"}}', now()),
         ('legacy.export', 'Legacy export', 'request', '{"USD": {"unitPrice": "12,50"}}', now())`,
    );
    const put = await api(service.url, 'PUT', '/v1/products/support.plan', { description: 'Support plan', unit: 'seat', prices: { USD: { unitPrice: '49' } } });
    expect(put.status).toBe(200);
    const usage = (accountId: string, sku: string, quantity: string, occurredAt = '2026-11-10T12:00:00Z') => ({
      usageId: `u-${randomUUID()}`,
      accountId,
      sku,
      resourceId: 'r-1',
      quantity,
      occurredAt,
    });
    const upload = await api(service.url, 'POST', '/v1/usage', {
      records: [
        usage(ids.usd, 'storage.gb', '10'),
        usage(ids.jpy, 'seat', '2'),
        usage(ids.kwd, 'storage.gb', '3'),
        usage(ids.overflow, 'vm.colossal', '1'),
        usage(ids.comma, 'legacy.export', '4'),
        usage(ids.noPrice, 'support.plan', '1'),
      ],
    });
    expect(upload.body).toMatchObject({ accepted: 6 });
    clock.set('2026-12-03T00:00:00.000Z');
  });

  it('invoices the good accounts, lists the three it cannot invoice with their reasons, and ends completed_with_failures while a close of another period whose pages throw backs off alone', async () => {
    // Every page of the October close throws a database error (and rolls back) until the trigger is dropped.
    await db().query(`
      CREATE FUNCTION refuse_october() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected: the October close cannot write its invoices'; END $$;
      CREATE TRIGGER refuse_october BEFORE INSERT ON invoices FOR EACH ROW WHEN (NEW.period = '2026-10') EXECUTE FUNCTION refuse_october();`);
    // October first: the worker used to serve only the first due run, and retry it for ever.
    octoberRun = (await api(service.url, 'POST', '/v1/month-closes', { period: '2026-10' })).body.runId;
    await waitFor(async () => (await progress(octoberRun)).status === 'running', { what: 'the October run to start' });
    novemberRun = (await api(service.url, 'POST', '/v1/month-closes', { period: '2026-11' })).body.runId;

    const november = await ended(novemberRun, 'completed_with_failures');
    expect(november).toMatchObject({ accountsInScope: 6, invoiced: 3, failed: 3, remaining: 0, failuresNext: null, completedAt: '2026-12-03T00:00:00.000Z' });
    const reasons = new Map(november.failures.map((f: { accountId: string; code: string; reason: string }) => [f.accountId, f]));
    expect(reasons.get(ids.noPrice)).toMatchObject({ code: 'price_missing', reason: 'price_missing: sku=support.plan, currency=JPY', attempts: 1 });
    expect(reasons.get(ids.comma)).toMatchObject({ reason: expect.stringContaining('legacy.export') });
    // Today's rating throws for the overflow; a coded amount_out_of_range is as good.
    expect(reasons.get(ids.overflow)).toMatchObject({ code: expect.stringMatching(/^(unexpected_error|amount_out_of_range)$/) });
    expect(reasons.size).toBe(3);
    expect([...(await invoicesOf('2026-11')).keys()].sort()).toEqual([ids.usd, ids.jpy, ids.kwd].sort());

    // October has not moved meanwhile (its pages throw), and nothing of it was written.
    expect(await progress(octoberRun)).toMatchObject({ status: 'running', invoiced: 0 });
    await db().query(`DROP TRIGGER refuse_october ON invoices; DROP FUNCTION refuse_october();`);
    const october = await ended(octoberRun, 'completed');
    expect(october).toMatchObject({ invoiced: 6, failed: 0, failures: [] });

    const failedEvents = await outbox('MonthCloseAccountFailed');
    expect(failedEvents.map((e) => e.accountId).sort()).toEqual([ids.overflow, ids.comma, ids.noPrice].sort());
    expect(failedEvents[0]).toMatchObject({ correlationId: novemberRun, payload: { runId: novemberRun, period: '2026-11', failedAt: '2026-12-03T00:00:00.000Z' } });
    const completed = (await outbox('MonthCloseCompleted')).filter((e) => e.correlationId === novemberRun);
    expect(completed.map((e) => e.payload)).toEqual([
      expect.objectContaining({ accountsInScope: 6, invoiced: 3, failed: 3, status: 'completed_with_failures' }),
    ]);

    const firstPage = await api(service.url, 'GET', `/v1/month-closes/${novemberRun}/failures?limit=2`, undefined, TOKENS.finance);
    expect(firstPage.body.failures).toHaveLength(2);
    const secondPage = await api(service.url, 'GET', `/v1/month-closes/${novemberRun}/failures?limit=2&after=${firstPage.body.next}`, undefined, TOKENS.finance);
    expect(secondPage.body).toMatchObject({ failures: [expect.anything()], next: null });
    expect([...firstPage.body.failures, ...secondPage.body.failures].map((f: { accountId: string }) => f.accountId)).toEqual(
      [ids.overflow, ids.comma, ids.noPrice].sort(),
    );
  });

  it('retries a failed account: unfixed it fails again, fixed it is invoiced once, and a repeat changes nothing', async () => {
    // Retried before its data is fixed: the run reopens, the account fails again and is listed again.
    const early = await retry(novemberRun, ids.noPrice);
    expect(early).toMatchObject({ status: 202, body: { runId: novemberRun, accountId: ids.noPrice, status: 'retrying', alreadyRetrying: false } });
    // The failure is recorded with the page; the run ends at the end of the pass, a worker round later.
    await waitFor(
      async () => {
        const now = await progress(novemberRun);
        return now.status !== 'running' && now.failures.find((f: { accountId: string; attempts: number }) => f.accountId === ids.noPrice && f.attempts === 2);
      },
      { what: 'the unfixed account to fail again and the run to end' },
    );
    expect(await progress(novemberRun)).toMatchObject({ status: 'completed_with_failures', failed: 3 });

    // Fix the data: the missing JPY price through the API, the two broken prices replaced.
    const jpyPrice = { description: 'Support plan', unit: 'seat', prices: { USD: { unitPrice: '49' }, JPY: { unitPrice: '7300' } } };
    expect((await api(service.url, 'PUT', '/v1/products/support.plan', jpyPrice)).status).toBe(200);
    for (const [sku, unit, unitPrice] of [['vm.colossal', 'hour', '1.25'], ['legacy.export', 'request', '12.50']]) {
      expect((await api(service.url, 'PUT', `/v1/products/${sku}`, { description: sku, unit, prices: { USD: { unitPrice } } })).status).toBe(200);
    }

    for (const accountId of [ids.overflow, ids.comma, ids.noPrice]) {
      expect(await retry(novemberRun, accountId)).toMatchObject({ status: 202, body: { status: 'retrying' } });
      // A repeat while the retry is pending, or once it is done: never a second invoice.
      expect([202, 409]).toContain((await retry(novemberRun, accountId)).status);
    }
    const november = await ended(novemberRun, 'completed');
    expect(november).toMatchObject({ accountsInScope: 6, invoiced: 6, failed: 0, failures: [] });

    const invoices = await invoicesOf('2026-11');
    expect(invoices.size).toBe(6);
    expect([...invoices.values()].every((n) => n === 1)).toBe(true);
    const totals = new Map(
      (await db().query(`SELECT account_id, total_minor::int AS total, currency FROM invoices WHERE period = '2026-11'`)).map(
        (r: { account_id: string; total: number; currency: string }) => [r.account_id, `${r.total} ${r.currency}`],
      ),
    );
    expect(totals.get(ids.noPrice)).toBe('7300 JPY');
    expect(totals.get(ids.overflow)).toBe('125 USD');
    expect(totals.get(ids.comma)).toBe('5000 USD');

    const again = await retry(novemberRun, ids.noPrice);
    expect(again).toMatchObject({ status: 409, body: { code: 'already_invoiced' } });
    expect((await invoicesOf('2026-11')).get(ids.noPrice)).toBe(1);
    const completed = (await outbox('MonthCloseCompleted')).filter((e) => e.correlationId === novemberRun);
    expect(completed.map((e) => e.payload).pop()).toMatchObject({ invoiced: 6, failed: 0, status: 'completed' });
    const retriedInvoices = (await outbox('InvoiceGenerated')).filter(
      (e) => e.type === 'InvoiceGenerated' && e.accountId === ids.noPrice && e.payload.period === '2026-11',
    );
    expect(retriedInvoices).toEqual([expect.objectContaining({ correlationId: novemberRun, payload: expect.objectContaining({ runId: novemberRun }) })]);
  });

  it('answers 404 for an unknown run or an account that did not fail, 409 for an invoiced one, and 403 to finance', async () => {
    expect((await retry(randomUUID(), ids.usd)).status).toBe(404);
    expect((await retry(novemberRun, randomUUID())).status).toBe(404);
    expect(await retry(novemberRun, ids.usd)).toMatchObject({ status: 409, body: { code: 'already_invoiced' } });
    expect((await retry(novemberRun, ids.usd, TOKENS.finance)).status).toBe(403);
    expect((await retry(novemberRun, 'not-a-uuid')).status).toBe(400);
  });
});
