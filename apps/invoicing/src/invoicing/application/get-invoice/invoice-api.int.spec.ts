import { createHash } from 'node:crypto';
import { invoicePageToken, renderInvoicePdf } from '@billing/documents';
import { ManualClock } from '@billing/messaging';
import { englishWordIn } from '@billing/i18n';
import { TOKENS, api, invoicingForSuite } from '../../../testing/invoicing-test-service';

/** The invoice API serves each invoice exactly as it was issued, to finance and operators only. */
describe('invoice API (real PostgreSQL and Kafka)', () => {
  const clock = new ManualClock('2026-08-20T00:00:00.000Z');
  const service = invoicingForSuite('invapi', clock);
  const ids = { jpy: '', kwd: '', empty: '' };

  beforeAll(async () => {
    const product = await api(service.url, 'PUT', '/v1/products/storage', {
      description: 'Storage',
      unit: 'GB-month',
      prices: { JPY: { unitPrice: '12' }, KWD: { unitPrice: '0.125' } },
    });
    expect(product.status).toBe(200);
    ids.jpy = await service.createAccount({ name: 'Tanaka KK', currency: 'JPY', timeZone: 'Asia/Tokyo', locale: 'ja-JP' });
    ids.kwd = await service.createAccount({ name: 'Gulf KSC', currency: 'KWD', timeZone: 'Asia/Kuwait', locale: 'ar-KW' });
    const usage = (accountId: string, month: string, quantity: string) => ({
      usageId: `storage-${month}`,
      accountId,
      sku: 'storage',
      resourceId: 'disk-1',
      quantity,
      occurredAt: `${month}-15T00:00:00Z`,
    });
    const upload = await api(service.url, 'POST', '/v1/usage', {
      records: ['2026-08', '2026-09', '2026-10'].flatMap((m, i) => [usage(ids.jpy, m, `${10 + i}`), usage(ids.kwd, m, `${3 + i}`)]),
    });
    expect(upload).toMatchObject({ status: 200, body: { accepted: 6 } });
    clock.set('2026-11-03T00:00:00.000Z');
    for (const period of ['2026-08', '2026-09', '2026-10']) await service.closeMonth(period);
    // created after the month closes: no invoice yet
    ids.empty = await service.createAccount({ name: 'No Invoices Yet' });
  });

  it('serves an invoice as issued: number, account, period, zone, locale, currency, lines, totals, collection, issue instant (JPY and KWD)', async () => {
    const list = await api(service.url, 'GET', `/v1/accounts/${ids.jpy}/invoices?period=2026-10`, undefined, TOKENS.finance);
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    const invoiceId = list.body.items[0].invoiceId;

    const jpy = await api(service.url, 'GET', `/v1/invoices/${invoiceId}`, undefined, TOKENS.operator);
    expect(jpy.status).toBe(200);
    expect(jpy.body).toMatchObject({
      invoiceId,
      invoiceNumber: expect.stringMatching(/^INV-2026-10-\d+$/),
      accountId: ids.jpy,
      period: '2026-10',
      timeZone: 'Asia/Tokyo',
      locale: 'ja-JP',
      currency: 'JPY',
      subtotalMinor: 144,
      creditAppliedMinor: 0,
      totalMinor: 144,
      carriedForwardMinor: 0,
      issuedAt: expect.stringMatching(/^2026-11-03T/),
      customer: { name: 'Tanaka KK', timeZone: 'Asia/Tokyo', locale: 'ja-JP' },
      lines: [expect.objectContaining({ sku: 'storage', quantity: '12', unitPrice: '12', amountMinor: 144 })],
    });
    expect(typeof jpy.body.collection).toBe('string');
    expect(jpy.body).toEqual(list.body.items[0]);

    const kwdList = await api(service.url, 'GET', `/v1/accounts/${ids.kwd}/invoices?period=2026-09`, undefined, TOKENS.finance);
    const kwd = await api(service.url, 'GET', `/v1/invoices/${kwdList.body.items[0].invoiceId}`, undefined, TOKENS.finance);
    expect(kwd.body).toMatchObject({ currency: 'KWD', locale: 'ar-KW', timeZone: 'Asia/Kuwait', totalMinor: 500, lines: [expect.objectContaining({ amountMinor: 500 })] });
  });

  it("lists an account's invoices newest first, page by page, and by period", async () => {
    const page = (query: string) => api(service.url, 'GET', `/v1/accounts/${ids.jpy}/invoices${query}`, undefined, TOKENS.finance);
    const first = await page('?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items.map((i: { period: string }) => i.period)).toEqual(['2026-10', '2026-09']);
    expect(first.body.nextCursor).toBe('2026-09');
    const second = await page(`?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((i: { period: string }) => i.period)).toEqual(['2026-08']);
    expect(second.body.nextCursor).toBeNull();
    expect((await page('?period=2026-07')).body).toEqual({ items: [], nextCursor: null });
    expect((await page('')).body.items.every((i: { accountId: string }) => i.accountId === ids.jpy)).toBe(true);
    expect((await api(service.url, 'GET', `/v1/accounts/${ids.empty}/invoices`, undefined, TOKENS.finance)).body).toEqual({ items: [], nextCursor: null });
  });

  it('answers 404 for an unknown invoice or account, 400 naming a malformed field, 401 without a token and 403 to other roles', async () => {
    const unknown = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
    expect((await api(service.url, 'GET', `/v1/invoices/${unknown}`, undefined, TOKENS.finance)).status).toBe(404);
    expect((await api(service.url, 'GET', `/v1/accounts/${unknown}/invoices`, undefined, TOKENS.finance)).status).toBe(404);
    const badId = await api(service.url, 'GET', '/v1/invoices/not-a-uuid', undefined, TOKENS.finance);
    expect(badId.status).toBe(400);
    expect(JSON.stringify(badId.body)).toContain('invoiceId');
    const badPeriod = await api(service.url, 'GET', `/v1/accounts/${ids.jpy}/invoices?period=2026-13`, undefined, TOKENS.finance);
    expect(badPeriod.status).toBe(400);
    expect(JSON.stringify(badPeriod.body)).toContain('period');
    expect((await api(service.url, 'GET', `/v1/accounts/${ids.jpy}/invoices?limit=0`, undefined, TOKENS.finance)).status).toBe(400);
    expect((await api(service.url, 'GET', `/v1/accounts/${ids.jpy}/invoices`, undefined, null)).status).toBe(401);
    expect((await api(service.url, 'GET', `/v1/accounts/${ids.jpy}/invoices`, undefined, TOKENS.admin)).status).toBe(403);
    expect((await api(service.url, 'GET', `/v1/invoices/${unknown}`, undefined, TOKENS.admin)).status).toBe(403);
  });

  const raw = (path: string, token: string | null = TOKENS.finance, headers: Record<string, string> = {}) =>
    fetch(`${service.url}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  const invoiceOf = async (accountId: string, period: string) =>
    (await api(service.url, 'GET', `/v1/accounts/${accountId}/invoices?period=${period}`, undefined, TOKENS.finance)).body.items[0];
  const SELLER = { name: 'Billing Example Ltd', addressLines: ['1 Example Street', '1000 Example City'], taxId: null, email: null };
  const PAGE_LINKS = { secret: 'local-development-only-invoice-page-secret', validityDays: 365 };

  it('serves the invoice PDF rendered from the issued snapshot, the same bytes each time, ETag their sha256 (JPY and KWD)', async () => {
    for (const accountId of [ids.jpy, ids.kwd]) {
      const invoice = await invoiceOf(accountId, '2026-10');
      const first = await raw(`/v1/invoices/${invoice.invoiceId}/document.pdf`);
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toBe('application/pdf');
      const bytes = Buffer.from(await first.arrayBuffer());
      expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
      expect(first.headers.get('etag')).toBe(`"${createHash('sha256').update(bytes).digest('hex')}"`);
      const { accountId: _account, timeZone: _zone, locale: _locale, ...snapshot } = invoice;
      expect(bytes.equals(await renderInvoicePdf({ ...snapshot, collection: invoice.collection }, SELLER))).toBe(true);
      const again = await raw(`/v1/invoices/${invoice.invoiceId}/document.pdf`, TOKENS.operator);
      expect(Buffer.from(await again.arrayBuffer()).equals(bytes)).toBe(true);
      const cached = await raw(`/v1/invoices/${invoice.invoiceId}/document.pdf`, TOKENS.finance, { 'if-none-match': first.headers.get('etag')! });
      expect(cached.status).toBe(304);
    }
    expect((await raw('/v1/invoices/6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b/document.pdf')).status).toBe(404);
    expect((await raw('/v1/invoices/not-a-uuid/document.pdf')).status).toBe(400);
    expect((await raw(`/v1/invoices/6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b/document.pdf`, TOKENS.admin)).status).toBe(403);
    expect((await raw(`/v1/invoices/6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b/document.pdf`, null)).status).toBe(401);
  });

  it('shows the hosted invoice page and its PDF to a valid link without login, in the customer language and direction', async () => {
    const invoice = await invoiceOf(ids.kwd, '2026-10');
    const token = invoicePageToken(invoice, PAGE_LINKS);
    const page = await raw(`/i/${token}`, null);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<html lang="ar-KW" dir="rtl">');
    expect(html).toContain(invoice.invoiceNumber);
    expect(html).toContain('فاتورة');
    expect(html).toContain(`href="${token}/document.pdf"`);
    // the customer's language only: no English sentence once data (names, product names, numbers, zone) is set aside
    const words = html
      .replace(/<style>[\s\S]*?<\/style>/, ' ')
      .replace(/<[^>]*>/g, ' ')
      .replace(/INV-[\d-]+|Gulf KSC|ada@example\.com|Billing Example Ltd|\d+ Example (Street|City)|Storage|GB-month|Asia\/Kuwait|PDF/g, ' ');
    expect(englishWordIn(words)).toBeNull();
    const pdf = await raw(`/i/${token}/document.pdf`, null);
    expect(pdf.status).toBe(200);
    const api = await raw(`/v1/invoices/${invoice.invoiceId}/document.pdf`);
    expect(Buffer.from(await pdf.arrayBuffer()).equals(Buffer.from(await api.arrayBuffer()))).toBe(true);
  });

  it('answers a tampered or expired link, or one for no invoice, with the same bare 404', async () => {
    const invoice = await invoiceOf(ids.jpy, '2026-10');
    const token = invoicePageToken(invoice, PAGE_LINKS);
    const [id, expires, signature] = token.split('.');
    const bodies: string[] = [];
    for (const bad of [
      `${id}.${Number(expires) + 1}.${signature}`,
      `${ids.kwd}.${expires}.${signature}`,
      invoicePageToken(invoice, { ...PAGE_LINKS, secret: 'someone-elses-secret-of-32-characters' }),
      invoicePageToken({ invoiceId: '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b', issuedAt: invoice.issuedAt }, PAGE_LINKS),
      'garbage',
    ]) {
      for (const path of [`/i/${bad}`, `/i/${bad}/document.pdf`]) {
        const response = await raw(path, null);
        expect({ path, status: response.status }).toEqual({ path, status: 404 });
        bodies.push(await response.text());
      }
    }
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).not.toMatch(/invoice|expired|signature|token/i);

    const valid = await raw(`/i/${token}`, null);
    expect(valid.status).toBe(200);
    clock.set(new Date(Date.parse(invoice.issuedAt) + 366 * 24 * 3600 * 1000).toISOString());
    try {
      const expired = await raw(`/i/${token}`, null);
      expect(expired.status).toBe(404);
      expect(await expired.text()).toBe(bodies[0]);
    } finally {
      clock.set('2026-11-03T00:00:00.000Z');
    }
  });

  it('documents both endpoints in the OpenAPI document', async () => {
    const docs = await api(service.url, 'GET', '/docs-json', undefined, null);
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths['/v1/invoices/{invoiceId}'].get.responses).sort()).toEqual(['200', '400', '401', '403', '404']);
    const list = docs.body.paths['/v1/accounts/{accountId}/invoices'].get;
    expect(list.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['accountId', 'cursor', 'limit', 'period']);
    expect(Object.keys(docs.body.paths['/v1/invoices/{invoiceId}/document.pdf'].get.responses).sort()).toEqual(['200', '400', '401', '403', '404']);
    expect(Object.keys(docs.body.paths).some((p) => p.startsWith('/i/'))).toBe(false);
  });
});
