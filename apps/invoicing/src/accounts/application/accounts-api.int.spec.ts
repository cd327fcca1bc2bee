import { EventOf, TOPICS, parseEvent } from '@billing/events';
import { ManualClock, topicName } from '@billing/messaging';
import { readTopic } from '@billing/testing';
import { TOKENS, account, api, invoicingForSuite } from '../../testing/invoicing-test-service';

describe('accounts and price list API (real PostgreSQL and Kafka)', () => {
  const clock = new ManualClock('2026-11-20T12:00:00.000Z');
  const service = invoicingForSuite('invaccounts', clock);

  const count = async () => (await service.runtime.dataSource.query('SELECT count(*)::int AS n FROM accounts'))[0].n as number;

  it('creates, reads, updates and replaces an account', async () => {
    const created = await api(service.url, 'POST', '/v1/accounts', account({ creditBalanceMinor: 250 }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Ada Lovelace',
      currency: 'USD',
      timeZone: 'America/Los_Angeles',
      creditBalanceMinor: 250,
      status: 'active',
      createdAt: '2026-11-20T12:00:00.000Z',
    });
    const id = created.body.accountId;

    const read = await api(service.url, 'GET', `/v1/accounts/${id}`, undefined, TOKENS.finance);
    expect(read).toMatchObject({ status: 200, body: { accountId: id, billingEmail: 'ada@example.com' } });

    // The credit is in USD: the currency cannot change under it.
    const refused = await api(service.url, 'PATCH', `/v1/accounts/${id}`, { timeZone: 'Europe/Budapest', currency: 'HUF' });
    expect(refused).toMatchObject({ status: 409, body: { code: 'credit_balance_not_zero' } });
    expect((await api(service.url, 'GET', `/v1/accounts/${id}`)).body).toMatchObject({ timeZone: 'America/Los_Angeles', currency: 'USD' });
    expect((await api(service.url, 'PATCH', `/v1/accounts/${id}`, { creditBalanceMinor: 0 })).status).toBe(200);
    const patched = await api(service.url, 'PATCH', `/v1/accounts/${id}`, { timeZone: 'Europe/Budapest', currency: 'HUF' });
    expect(patched).toMatchObject({ status: 200, body: { timeZone: 'Europe/Budapest', currency: 'HUF', creditBalanceMinor: 0, name: 'Ada Lovelace' } });

    const replaced = await api(service.url, 'PUT', `/v1/accounts/${id}`, account({ name: 'Ada King', status: 'closed' }));
    expect(replaced).toMatchObject({ status: 200, body: { name: 'Ada King', status: 'closed', creditBalanceMinor: 0, currency: 'USD' } });

    expect((await api(service.url, 'GET', '/v1/accounts/6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b')).status).toBe(404);
  });

  it('emits AccountPaymentMethodChanged on billing.invoices when an account gets or changes its payment method, and only then', async () => {
    const id = (await api(service.url, 'POST', '/v1/accounts', account())).body.accountId;
    const patch = (body: Record<string, unknown>) => api(service.url, 'PATCH', `/v1/accounts/${id}`, body);
    // changes nothing about the payment instrument: no event
    expect((await patch({ name: 'Ada King' })).status).toBe(200);
    expect((await patch({ paymentMethodId: 'pm_card_visa', providerCustomerId: 'cus_123' })).status).toBe(200);
    expect((await patch({ paymentMethodId: 'pm_card_mastercard' })).status).toBe(200);
    // a write the database rolls back (here: the outbox refuses the event) emits nothing and changes nothing
    await service.runtime.dataSource.query(`
      CREATE FUNCTION refuse_test_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$;
      CREATE TRIGGER refuse_test_event BEFORE INSERT ON outbox FOR EACH ROW
        WHEN (NEW.envelope->'payload'->>'paymentMethodId' = 'pm_refused_by_db') EXECUTE FUNCTION refuse_test_event();`);
    expect((await patch({ paymentMethodId: 'pm_refused_by_db', name: 'Rolled back' })).status).toBe(500);
    expect((await api(service.url, 'GET', `/v1/accounts/${id}`)).body).toMatchObject({ name: 'Ada King', paymentMethodId: 'pm_card_mastercard' });
    // PUT without a method removes it
    expect((await api(service.url, 'PUT', `/v1/accounts/${id}`, account({ paymentMethodId: undefined, providerCustomerId: 'cus_123' }))).status).toBe(200);
    // an account created without one emits nothing
    const bare = (await api(service.url, 'POST', '/v1/accounts', account({ paymentMethodId: null, providerCustomerId: null }))).body.accountId;
    expect((await api(service.url, 'PATCH', `/v1/accounts/${bare}`, { name: 'Still bare' })).status).toBe(200);

    const ofAccount = (messages: Awaited<ReturnType<typeof readTopic>>, accountId: string) =>
      messages
        .filter((m) => m.key === accountId)
        .map((m) => parseEvent(JSON.parse(m.value!)))
        .flatMap((r) => (r.ok && r.event.type === 'AccountPaymentMethodChanged' ? [r.event as EventOf<'AccountPaymentMethodChanged'>] : []));
    const messages = await readTopic(topicName(service.deployment.prefix, TOPICS.invoices), {
      until: (m) => ofAccount(m, id).length >= 3,
      settleMs: 1000,
    });
    expect(ofAccount(messages, id).map((e) => e.payload)).toEqual([
      { paymentMethodId: 'pm_card_visa', providerCustomerId: 'cus_123', previousPaymentMethodId: null, changedAt: '2026-11-20T12:00:00.000Z' },
      { paymentMethodId: 'pm_card_mastercard', providerCustomerId: 'cus_123', previousPaymentMethodId: 'pm_card_visa', changedAt: '2026-11-20T12:00:00.000Z' },
      { paymentMethodId: null, providerCustomerId: 'cus_123', previousPaymentMethodId: 'pm_card_mastercard', changedAt: '2026-11-20T12:00:00.000Z' },
    ]);
    expect(ofAccount(messages, id).every((e) => e.producer === 'invoicing' && e.accountId === id)).toBe(true);
    expect(ofAccount(messages, bare)).toEqual([]);
  });

  it.each([
    ['currency', { currency: 'XYZ' }, 'body.currency'],
    ['timeZone', { timeZone: 'PST' }, 'body.timeZone'],
    ['timeZone', { timeZone: 'Mars/Olympus_Mons' }, 'body.timeZone'],
    ['billingEmail', { billingEmail: 'not-an-email' }, 'body.billingEmail'],
    ['locale', { locale: 'en_US_bad!' }, 'body.locale'],
    ['creditBalanceMinor', { creditBalanceMinor: 10.5 }, 'body.creditBalanceMinor'],
    ['creditBalanceMinor', { creditBalanceMinor: -1 }, 'body.creditBalanceMinor'],
    ['creditBalanceMinor', { creditBalanceMinor: 1_000_000_000_000_001 }, 'body.creditBalanceMinor'],
  ])('refuses an account with a bad %s with a 400 naming the field and writes nothing', async (_field, bad, named) => {
    const before = await count();
    const response = await api(service.url, 'POST', '/v1/accounts', account(bad));
    expect(response.status).toBe(400);
    expect(response.body.message).toContain(named);
    expect(response.body.fields).toContain(named);
    expect(await count()).toBe(before);
  });

  it('refuses a bad update with a 400 naming the field and leaves the account as it was', async () => {
    const { body } = await api(service.url, 'POST', '/v1/accounts', account());
    const response = await api(service.url, 'PATCH', `/v1/accounts/${body.accountId}`, { currency: 'usd', name: 'Changed' });
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('body.currency');
    expect((await api(service.url, 'GET', `/v1/accounts/${body.accountId}`)).body).toMatchObject({ name: 'Ada Lovelace', currency: 'USD' });
  });

  it('answers 401 without a valid token and 403 when the role may not write', async () => {
    const before = await count();
    expect((await api(service.url, 'POST', '/v1/accounts', account(), null)).status).toBe(401);
    expect((await api(service.url, 'POST', '/v1/accounts', account(), 'wrong-token')).status).toBe(401);
    expect((await api(service.url, 'POST', '/v1/accounts', account(), TOKENS.finance)).status).toBe(403);
    expect((await api(service.url, 'GET', '/v1/accounts', undefined, null)).status).toBe(401);
    expect((await api(service.url, 'POST', '/v1/usage', { records: [] }, TOKENS.finance)).status).toBe(403);
    expect((await api(service.url, 'POST', '/v1/month-closes', { period: '2026-10' }, TOKENS.finance)).status).toBe(403);
    expect(await count()).toBe(before);
  });

  it('lists accounts in keyset pages that together hold every account once', async () => {
    for (let i = 0; i < 5; i++) await api(service.url, 'POST', '/v1/accounts', account({ name: `Page ${i}` }));
    const total = await count();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { accountId: string }[]; nextCursor: string | null } } = await api(
        service.url,
        'GET',
        `/v1/accounts?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        undefined,
        TOKENS.finance,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((a) => a.accountId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect((await api(service.url, 'GET', '/v1/accounts?limit=0')).body.message).toContain('query.limit');
  });

  it('seeds the price list from its file and lets an operator change a product', async () => {
    const list = await api(service.url, 'GET', '/v1/products', undefined, TOKENS.finance);
    expect(list.status).toBe(200);
    const small = list.body.items.find((p: { sku: string }) => p.sku === 'vm.small');
    expect(small).toMatchObject({ unit: 'hour', prices: { USD: { unitPrice: '0.00744', monthlyCapPerResource: '5.00' } } });

    const put = await api(service.url, 'PUT', '/v1/products/gpu.large', {
      description: 'Large GPU server',
      unit: 'hour',
      prices: { USD: { unitPrice: '2.125', monthlyCapPerResource: '1200' }, JPY: { unitPrice: '310' } },
    });
    expect(put.status).toBe(200);
    const after = await api(service.url, 'GET', '/v1/products');
    expect(after.body.items.find((p: { sku: string }) => p.sku === 'gpu.large')).toMatchObject({ description: 'Large GPU server' });

    const bad = await api(service.url, 'PUT', '/v1/products/gpu.bad', { description: 'x', unit: 'hour', prices: { XYZ: { unitPrice: '1' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('body.prices');
    const badPrice = await api(service.url, 'PUT', '/v1/products/gpu.bad', { description: 'x', unit: 'hour', prices: { USD: { unitPrice: '1e-3' } } });
    expect(badPrice.body.message).toContain('body.prices.USD.unitPrice');
  });

  it.each([
    ['a unit price above 10^6', { JPY: { unitPrice: '1000000.5' } }, 'body.prices.JPY.unitPrice'],
    ['a unit price with 13 decimals', { KWD: { unitPrice: '0.0000000000001' } }, 'body.prices.KWD.unitPrice'],
    ['a monthly cap above 10^9', { KWD: { unitPrice: '1', monthlyCapPerResource: '1000000001' } }, 'body.prices.KWD.monthlyCapPerResource'],
  ])('refuses a product with %s, naming the field, and keeps the price list as it was', async (_what, prices, named) => {
    const response = await api(service.url, 'PUT', '/v1/products/bounds.test', { description: 'Bounds', unit: 'hour', prices });
    expect(response.status).toBe(400);
    expect(response.body.message).toContain(named);
    const after = await api(service.url, 'GET', '/v1/products');
    expect(after.body.items.find((p: { sku: string }) => p.sku === 'bounds.test')).toBeUndefined();
  });
});
