import { randomUUID } from 'node:crypto';
import { TOPICS } from '@billing/events';
import { ManualClock, topicName } from '@billing/messaging';
import { readTopic, waitFor } from '@billing/testing';
import { InvoiceGeneratedPayload } from '../../domain/issue-invoice';
import { TOKENS, api, invoicingForSuite } from '../../../testing/invoicing-test-service';

/**
 * Issue 9: an account is invoiced for a period only once the period has ended in its own zone
 * plus the grace period (default 60 minutes), and late usage lands on the next invoice.
 */
describe('month close by time zone, with an injected clock (real PostgreSQL and Kafka)', () => {
  const clock = new ManualClock('2026-11-20T00:00:00.000Z');
  const service = invoicingForSuite('invzones', clock);
  const { deployment } = service;
  const ids = { tokyo: '', budapest: '', la: '' };

  beforeAll(async () => {
    ids.tokyo = await service.createAccount({ name: 'Tokyo KK', currency: 'JPY', timeZone: 'Asia/Tokyo', locale: 'ja-JP' });
    ids.budapest = await service.createAccount({ name: 'Budapest Kft', currency: 'HUF', timeZone: 'Europe/Budapest', locale: 'hu-HU' });
    ids.la = await service.createAccount({ name: 'LA Corp', currency: 'USD', timeZone: 'America/Los_Angeles' });
  });

  const invoice = async (accountId: string, period: string): Promise<InvoiceGeneratedPayload | undefined> =>
    (await service.runtime.dataSource.query('SELECT snapshot FROM invoices WHERE account_id = $1 AND period = $2', [accountId, period]))[0]
      ?.snapshot;
  const progress = async (runId: string) => (await api(service.url, 'GET', `/v1/month-closes/${runId}`, undefined, TOKENS.finance)).body;
  const upload = (accountId: string, quantity: string, occurredAt: string) =>
    api(service.url, 'POST', '/v1/usage', {
      records: [{ usageId: `u-${randomUUID()}`, accountId, sku: 'storage.gb', resourceId: 'vol-1', quantity, occurredAt }],
    });

  it('invoices Tokyo and Budapest at 00:00Z and Los Angeles only from 09:00Z, with its 23:30 local usage on November', async () => {
    clock.set('2026-12-01T00:00:00.000Z');
    const requested = await api(service.url, 'POST', '/v1/month-closes', { period: '2026-11' });
    expect(requested.status).toBe(202);
    const runId: string = requested.body.runId;

    await waitFor(async () => (await invoice(ids.tokyo, '2026-11')) && (await invoice(ids.budapest, '2026-11')), {
      what: 'the Tokyo and Budapest invoices',
    });
    // Tokyo's month ended at 15:00Z on 30 November, Budapest's at 23:00Z: both plus one hour are past.
    expect((await invoice(ids.tokyo, '2026-11'))!.issuedAt).toBe('2026-12-01T00:00:00.000Z');
    expect((await invoice(ids.budapest, '2026-11'))!.issuedAt).toBe('2026-12-01T00:00:00.000Z');
    await waitFor(async () => (await progress(runId)).status === 'waiting', { what: 'the run to wait' });
    expect(await progress(runId)).toMatchObject({
      status: 'waiting',
      accountsInScope: 3,
      invoiced: 2,
      remaining: 1,
      waiting: 1,
      waitingUntil: '2026-12-01T09:00:00.000Z',
      completedAt: null,
    });

    // 23:30 on 30 November in Los Angeles, uploaded before its month (plus grace) is over.
    clock.set('2026-12-01T07:45:00.000Z');
    expect((await upload(ids.la, '10', '2026-12-01T07:30:00Z')).body).toMatchObject({ accepted: 1, late: 0 });
    clock.set('2026-12-01T08:59:59.999Z');
    const before = Date.now();
    await waitFor(async () => Date.now() - before > 400); // several worker polls (50 ms) at 08:59:59Z
    expect(await invoice(ids.la, '2026-11')).toBeUndefined();

    clock.set('2026-12-01T09:00:00.000Z');
    const la = await waitFor(() => invoice(ids.la, '2026-11'), { what: 'the Los Angeles invoice' });
    expect(la).toMatchObject({
      issuedAt: '2026-12-01T09:00:00.000Z',
      periodEnd: '2026-12-01T08:00:00.000Z',
      subtotalMinor: 100,
      lines: [expect.objectContaining({ sku: 'storage.gb', quantity: '10', usagePeriod: '2026-11', amountMinor: 100 })],
    });
    await waitFor(async () => (await progress(runId)).status === 'completed', { what: 'the run to complete' });
    expect(await progress(runId)).toMatchObject({ invoiced: 3, remaining: 0, waiting: 0, completedAt: '2026-12-01T09:00:00.000Z' });

    const closeEvents = await readTopic(topicName(deployment.prefix, TOPICS.monthClose), {
      until: (m) => m.some((x) => x.headers['event-type'] === 'MonthCloseCompleted'),
      settleMs: 500,
    });
    expect(closeEvents.filter((m) => m.headers['event-type'] === 'MonthCloseCompleted')).toHaveLength(1);
    const waitingProgress = closeEvents
      .filter((m) => m.headers['event-type'] === 'MonthCloseProgressed')
      .map((m) => JSON.parse(m.value!).payload)
      .find((p) => p.waiting === 1);
    expect(waitingProgress).toMatchObject({ invoiced: 2, waiting: 1, waitingUntil: '2026-12-01T09:00:00.000Z' });
  });

  it('bills November usage that arrives after the November invoice on the December invoice, labelled as November usage', async () => {
    clock.set('2026-12-02T10:00:00.000Z');
    const late = await upload(ids.la, '5', '2026-11-20T00:00:00Z');
    expect(late.body).toMatchObject({ accepted: 1, late: 1 });
    const seen = await api(service.url, 'GET', `/v1/accounts/${ids.la}/usage?late=true`, undefined, TOKENS.finance);
    expect(seen.body.items).toEqual([expect.objectContaining({ quantity: '5', usagePeriod: '2026-11', late: true, billedInvoiceId: null })]);
    // The November invoice is immutable.
    expect((await invoice(ids.la, '2026-11'))!.subtotalMinor).toBe(100);

    clock.set('2027-01-01T09:00:00.000Z');
    const requested = await api(service.url, 'POST', '/v1/month-closes', { period: '2026-12' });
    expect(requested.status).toBe(202);
    const december = await waitFor(() => invoice(ids.la, '2026-12'), { what: 'the December invoice' });
    expect(december.lines).toEqual([
      expect.objectContaining({
        sku: 'storage.gb',
        description: 'Block storage — November 2026 usage (late)',
        quantity: '5',
        amountMinor: 50,
        usagePeriod: '2026-11',
      }),
    ]);
    expect(december).toMatchObject({ period: '2026-12', subtotalMinor: 50 });
    const billed = await api(service.url, 'GET', `/v1/accounts/${ids.la}/usage?late=true`, undefined, TOKENS.finance);
    expect(billed.body.items[0].billedInvoiceId).toBe(december.invoiceId);
  });
});
