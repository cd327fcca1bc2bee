import { EventOf, MonthCloseRequestedV1, TOPICS, createEvent, monthCloseKey } from '@billing/events';
import { ManualClock } from '@billing/messaging';
import { waitFor } from '@billing/testing';
import { api, invoicingForSuite, meta, produce } from '../../../testing/invoicing-test-service';

/**
 * Invoices below the provider's minimum charge (USD 0.50, JPY 50, KWD 0.310) are not charged:
 * their total is carried to the account's next invoice as a `carried_balance` line, once.
 */
describe('carrying below-minimum totals to the next invoice (real PostgreSQL and Kafka)', () => {
  const clock = new ManualClock('2026-10-20T00:00:00.000Z');
  const service = invoicingForSuite('invcarried', clock, { MONTH_CLOSE_PAGE_SIZE: '2' });
  const ids = { usd: '', jpy: '', kwd: '' };
  let seq = 0;

  const useOnce = (accountId: string, occurredAt: string) => ({
    usageId: `tiny-${++seq}`,
    accountId,
    sku: 'tiny.thing',
    resourceId: 'thing-1',
    quantity: '1',
    occurredAt,
  });

  const close = (period: string) => service.closeMonth(period);

  async function invoicesOf(period: string): Promise<Map<string, EventOf<'InvoiceGenerated'>['payload']>> {
    const rows: { envelope: EventOf<'InvoiceGenerated'> }[] = await service.runtime.dataSource.query(
      `SELECT envelope FROM outbox WHERE event_type = 'InvoiceGenerated' AND envelope->'payload'->>'period' = $1`,
      [period],
    );
    return new Map(rows.map((r) => [r.envelope.accountId, r.envelope.payload]));
  }

  beforeAll(async () => {
    const product = await api(service.url, 'PUT', '/v1/products/tiny.thing', {
      description: 'Tiny thing',
      unit: 'request',
      prices: { USD: { unitPrice: '0.30' }, JPY: { unitPrice: '40' }, KWD: { unitPrice: '0.300' } },
    });
    expect(product.status).toBe(200);
    ids.usd = await service.createAccount({ name: 'Cents Inc', currency: 'USD', timeZone: 'America/New_York' });
    ids.jpy = await service.createAccount({ name: 'Yen KK', currency: 'JPY', timeZone: 'Asia/Tokyo', locale: 'ja-JP' });
    ids.kwd = await service.createAccount({ name: 'Fils KSC', currency: 'KWD', timeZone: 'Asia/Kuwait', locale: 'ar-KW' });
    const upload = await api(service.url, 'POST', '/v1/usage', {
      records: [useOnce(ids.usd, '2026-10-10T12:00:00Z'), useOnce(ids.jpy, '2026-10-10T12:00:00Z'), useOnce(ids.kwd, '2026-10-10T12:00:00Z')],
    });
    expect(upload).toMatchObject({ status: 200, body: { accepted: 3 } });
    clock.set('2026-11-03T00:00:00.000Z');
  });

  it('issues October totals of USD 0.30, JPY 40 and KWD 0.300 as below_provider_minimum and keeps each to carry', async () => {
    await close('2026-10');
    const october = await invoicesOf('2026-10');
    expect(october.get(ids.usd)).toMatchObject({ currency: 'USD', totalMinor: 30, collection: 'below_provider_minimum', carriedForwardMinor: 30 });
    expect(october.get(ids.jpy)).toMatchObject({ currency: 'JPY', totalMinor: 40, collection: 'below_provider_minimum', carriedForwardMinor: 40 });
    expect(october.get(ids.kwd)).toMatchObject({ currency: 'KWD', totalMinor: 300, collection: 'below_provider_minimum', carriedForwardMinor: 300 });
    const pending = await service.runtime.dataSource.query(
      `SELECT account_id, currency, amount_minor::int AS amount FROM carried_balances WHERE carried_to_invoice_id IS NULL ORDER BY currency`,
    );
    expect(pending).toEqual([
      { account_id: ids.jpy, currency: 'JPY', amount: 40 },
      { account_id: ids.kwd, currency: 'KWD', amount: 300 },
      { account_id: ids.usd, currency: 'USD', amount: 30 },
    ]);
  });

  it('adds each October balance to the November invoice as a carried_balance line counted in its total, once', async () => {
    // November usage for USD and KWD; none for JPY, whose November invoice holds the carried line only.
    const upload = await api(service.url, 'POST', '/v1/usage', {
      records: [useOnce(ids.usd, '2026-11-10T12:00:00Z'), useOnce(ids.kwd, '2026-11-10T12:00:00Z')],
    });
    expect(upload.body).toMatchObject({ accepted: 2 });
    // The first page fails once at its last write (the outbox), after it carried balances: the
    // page's transaction rolls back whole, and the worker's retry carries them again, once.
    await service.runtime.dataSource.query(`
      CREATE SEQUENCE fail_first_invoice_event;
      CREATE FUNCTION fail_first_invoice_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF nextval('fail_first_invoice_event') = 1 THEN RAISE EXCEPTION 'page fails once'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER fail_first_invoice_event BEFORE INSERT ON outbox FOR EACH ROW
        WHEN (NEW.event_type = 'InvoiceGenerated') EXECUTE FUNCTION fail_first_invoice_event();`);
    clock.set('2026-12-03T00:00:00.000Z');
    const runId = await close('2026-11');
    const [{ n: triggerCalls }] = await service.runtime.dataSource.query(`SELECT last_value::int AS n FROM fail_first_invoice_event`);
    expect(triggerCalls).toBeGreaterThan(3); // the failed page's first insert and the retried pages' inserts

    const october = await invoicesOf('2026-10');
    const november = await invoicesOf('2026-11');
    const usd = november.get(ids.usd)!;
    expect(usd).toMatchObject({ subtotalMinor: 60, totalMinor: 60, collection: 'charge_automatically', carriedForwardMinor: 0 });
    expect(usd.lines).toContainEqual({
      kind: 'carried_balance',
      lineId: `carried:${october.get(ids.usd)!.invoiceId}`,
      sku: 'carried-balance',
      description: `Balance carried over from ${october.get(ids.usd)!.invoiceNumber}`,
      resourceId: null,
      unit: 'invoice',
      quantity: '1',
      unitPrice: '0.30',
      amountMinor: 30,
      capped: false,
      usagePeriod: '2026-10',
      carriedFromInvoiceId: october.get(ids.usd)!.invoiceId,
      carriedFromInvoiceNumber: october.get(ids.usd)!.invoiceNumber,
    });
    expect(november.get(ids.kwd)).toMatchObject({
      totalMinor: 600,
      collection: 'charge_automatically',
      lines: expect.arrayContaining([expect.objectContaining({ kind: 'carried_balance', unitPrice: '0.300', amountMinor: 300 })]),
    });
    // JPY: only the carried ¥40, still below the minimum: issued, and carried again.
    expect(november.get(ids.jpy)).toMatchObject({
      totalMinor: 40,
      collection: 'below_provider_minimum',
      carriedForwardMinor: 40,
      lines: [expect.objectContaining({ kind: 'carried_balance', unitPrice: '40', amountMinor: 40, usagePeriod: '2026-10' })],
    });

    // The request delivered again, and a second request for the period: nothing is carried twice.
    const [{ envelope: published }] = await service.runtime.dataSource.query(
      `SELECT envelope FROM outbox WHERE event_type = 'MonthCloseRequested' AND envelope->'payload'->>'runId' = $1`,
      [runId],
    );
    const again = createEvent(MonthCloseRequestedV1, meta(monthCloseKey('2026-11')), {
      runId: '9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d',
      period: '2026-11',
      requestedAt: '2026-12-03T00:00:00.000Z',
      requestedBy: 'second-operator',
    });
    await produce(service.deployment, TOPICS.monthClose, [published, again]);
    await waitFor(
      async () => (await service.runtime.dataSource.query('SELECT 1 FROM inbox WHERE event_id = $1', [again.eventId])).length === 1,
      { what: 'the second request to be consumed' },
    );
    const carriedLines: { line_id: string; n: number }[] = await service.runtime.dataSource.query(
      `SELECT line_id, count(*)::int AS n FROM invoice_lines WHERE kind = 'carried_balance' GROUP BY line_id`,
    );
    expect(carriedLines).toHaveLength(3);
    expect(carriedLines.every((l) => l.n === 1)).toBe(true);
    const balances: { currency: string; carried_to: string | null }[] = await service.runtime.dataSource.query(
      `SELECT c.currency, i.period AS carried_to FROM carried_balances c LEFT JOIN invoices i ON i.invoice_id = c.carried_to_invoice_id
       ORDER BY c.created_at, c.currency`,
    );
    expect(balances).toEqual([
      { currency: 'JPY', carried_to: '2026-11' },
      { currency: 'KWD', carried_to: '2026-11' },
      { currency: 'USD', carried_to: '2026-11' },
      { currency: 'JPY', carried_to: null },
    ]);
    expect((await invoicesOf('2026-11')).size).toBe(3);
  });

  it('carries a balance that was carried again on to the next invoice with the earlier amount inside it', async () => {
    const upload = await api(service.url, 'POST', '/v1/usage', { records: [useOnce(ids.jpy, '2026-12-10T12:00:00Z')] });
    expect(upload.body).toMatchObject({ accepted: 1 });
    clock.set('2027-01-03T00:00:00.000Z');
    await close('2026-12');
    const november = await invoicesOf('2026-11');
    const december = await invoicesOf('2026-12');
    expect(december.get(ids.jpy)).toMatchObject({
      totalMinor: 80,
      collection: 'charge_automatically',
      carriedForwardMinor: 0,
      lines: expect.arrayContaining([
        expect.objectContaining({ kind: 'carried_balance', amountMinor: 40, carriedFromInvoiceId: november.get(ids.jpy)!.invoiceId, usagePeriod: '2026-11' }),
      ]),
    });
    // USD and KWD had nothing left to carry: their December invoices are empty.
    expect(december.get(ids.usd)).toMatchObject({ lines: [], totalMinor: 0, collection: 'nothing_due' });
    expect(december.get(ids.kwd)).toMatchObject({ lines: [], totalMinor: 0, collection: 'nothing_due' });
    const pending = await service.runtime.dataSource.query(`SELECT 1 FROM carried_balances WHERE carried_to_invoice_id IS NULL`);
    expect(pending).toHaveLength(0);
  });
});
