import { invoicePageToken, invoicePageUrl, verifyInvoicePageToken } from './invoice-page-link';

const SECRET = 'a-secret-of-at-least-thirty-two-chars!!';
const invoice = { invoiceId: '3f0c6f5e-2a1b-4c3d-9e8f-7a6b5c4d3e2f', issuedAt: '2026-11-01T09:30:00.000Z' };
const links = { secret: SECRET, baseUrl: 'https://billing.example.test/i', validityDays: 30 };

describe('invoice page link', () => {
  it('is computed from the invoice alone: the same invoice gives the same link', () => {
    expect(invoicePageUrl(invoice, links)).toBe(invoicePageUrl({ ...invoice }, links));
    expect(invoicePageUrl(invoice, links)).toMatch(/^https:\/\/billing\.example\.test\/i\/3f0c6f5e-2a1b-4c3d-9e8f-7a6b5c4d3e2f\.\d+\.[A-Za-z0-9_-]{43}$/);
  });

  it('names the invoice until validityDays after its issue, and nothing after', () => {
    const token = invoicePageToken(invoice, links);
    expect(verifyInvoicePageToken(token, SECRET, '2026-11-20T00:00:00Z')).toEqual({ invoiceId: invoice.invoiceId });
    expect(verifyInvoicePageToken(token, SECRET, '2026-12-01T09:29:59Z')).toEqual({ invoiceId: invoice.invoiceId });
    expect(verifyInvoicePageToken(token, SECRET, '2026-12-01T09:30:00Z')).toBeNull();
  });

  it('refuses a token that was tampered with, signed with another secret, or malformed', () => {
    const token = invoicePageToken(invoice, links);
    const [id, expires, sig] = token.split('.');
    const now = '2026-11-20T00:00:00Z';
    expect(verifyInvoicePageToken(`${id}.${Number(expires) + 86400}.${sig}`, SECRET, now)).toBeNull();
    expect(verifyInvoicePageToken(`${id.replace(/^3/, '4')}.${expires}.${sig}`, SECRET, now)).toBeNull();
    expect(verifyInvoicePageToken(`${id}.${expires}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`, SECRET, now)).toBeNull();
    expect(verifyInvoicePageToken(token, 'another-secret-of-at-least-thirty-two', now)).toBeNull();
    expect(verifyInvoicePageToken('not-a-token', SECRET, now)).toBeNull();
  });
});
