import { EventOf } from '@billing/events';
import { ManualClock } from '@billing/messaging';
import { waitFor } from '@billing/testing';
import { TOKENS, api, invoicingForSuite } from '../../../testing/invoicing-test-service';

/**
 * Invoices above what Stripe can charge in one payment (eight digits of its unit) are issued
 * all the same, marked for manual collection, so payments never sends them to the provider.
 */
describe('month close of invoices above the provider maximum (real PostgreSQL and Kafka)', () => {
  const clock = new ManualClock('2026-11-20T00:00:00.000Z');
  const service = invoicingForSuite('invmanual', clock);
  const ids = { jpyManual: '', jpyAutomatic: '', kwdManual: '' };

  beforeAll(async () => {
    const product = await api(service.url, 'PUT', '/v1/products/bulk.transfer', {
      description: 'Bulk transfer',
      unit: 'GB-month',
      prices: { JPY: { unitPrice: '1000' }, KWD: { unitPrice: '1' } },
    });
    expect(product.status).toBe(200);
    ids.jpyManual = await service.createAccount({ name: 'Big KK', currency: 'JPY', timeZone: 'Asia/Tokyo', locale: 'ja-JP' });
    ids.jpyAutomatic = await service.createAccount({ name: 'Almost KK', currency: 'JPY', timeZone: 'Asia/Tokyo', locale: 'ja-JP' });
    ids.kwdManual = await service.createAccount({ name: 'Big KSC', currency: 'KWD', timeZone: 'Asia/Kuwait' });
    const record = (accountId: string, quantity: string) => ({
      // the same usage id on every account: ids are per account, each is billed on its own invoice
      usageId: 'transfer-2026-11',
      accountId,
      sku: 'bulk.transfer',
      resourceId: 'link-1',
      quantity,
      occurredAt: '2026-11-15T00:00:00Z',
    });
    const upload = await api(service.url, 'POST', '/v1/usage', {
      records: [
        record(ids.jpyManual, '100000'), // ¥100,000,000: one yen past the maximum of 99,999,999
        record(ids.jpyAutomatic, '99999.999'), // ¥99,999,999
        record(ids.kwdManual, '100000'), // 100,000.000 KWD: past the maximum of 99,999.990
      ],
    });
    expect(upload).toMatchObject({ status: 200, body: { accepted: 3 } });
    clock.set('2026-12-03T00:00:00.000Z');
  });

  it('issues JPY and KWD invoices above the maximum marked manual_above_provider_maximum, and bills each account its own usage', async () => {
    const run = await api(service.url, 'POST', '/v1/month-closes', { period: '2026-11' });
    expect(run.status).toBe(202);
    await waitFor(
      async () => (await api(service.url, 'GET', `/v1/month-closes/${run.body.runId}`, undefined, TOKENS.finance)).body.status === 'completed',
      { what: 'the month close to complete' },
    );

    const rows: { envelope: EventOf<'InvoiceGenerated'> }[] = await service.runtime.dataSource.query(
      `SELECT envelope FROM outbox WHERE event_type = 'InvoiceGenerated'`,
    );
    const byAccount = new Map(rows.map((r) => [r.envelope.accountId, r.envelope.payload]));
    expect(byAccount.get(ids.jpyManual)).toMatchObject({
      currency: 'JPY',
      totalMinor: 100_000_000,
      requiresCharge: true,
      collection: 'manual_above_provider_maximum',
    });
    expect(byAccount.get(ids.jpyAutomatic)).toMatchObject({ currency: 'JPY', totalMinor: 99_999_999, collection: 'charge_automatically' });
    expect(byAccount.get(ids.kwdManual)).toMatchObject({
      currency: 'KWD',
      totalMinor: 100_000_000,
      requiresCharge: true,
      collection: 'manual_above_provider_maximum',
    });

    const billed: { account_id: string; same_account: boolean }[] = await service.runtime.dataSource.query(
      `SELECT u.account_id, i.account_id = u.account_id AS same_account
       FROM usage_records u JOIN invoices i ON i.invoice_id = u.billed_invoice_id
       WHERE u.usage_id = 'transfer-2026-11'`,
    );
    expect(billed).toHaveLength(3);
    expect(billed.every((b) => b.same_account)).toBe(true);
  });
});
