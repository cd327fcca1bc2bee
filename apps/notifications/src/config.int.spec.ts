import { ConfigError } from '@billing/messaging';
import { DEFAULT_TEMPLATES_DIR, emailLinksOf, loadNotificationsConfig } from './config';
import { renderEmail } from './notifications/domain/render-email';
import { verifyInvoicePageToken } from '@billing/documents';
import { sampleChargeFailedAuthenticationRequired, sampleInvoiceGenerated } from './notifications/domain/sample-events';
import { loadTemplates } from './notifications/infrastructure/load-templates';

describe('notifications configuration', () => {
  it('defaults to the local SMTP capture, the repo templates and billing.local Message-IDs', () => {
    const config = loadNotificationsConfig({});
    expect(config).toMatchObject({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: 1025,
      SMTP_SECURE: false,
      SMTP_POOL_MAX_CONNECTIONS: 5,
      SMTP_SEND_CONCURRENCY: 8,
      MAIL_FROM: 'Billing <billing@example.com>',
      MESSAGE_ID_DOMAIN: 'billing.local',
      TEMPLATES_DIR: DEFAULT_TEMPLATES_DIR,
      PAYMENT_AUTHENTICATION_URL: 'http://127.0.0.1:3002/authenticate/{invoiceNumber}',
    });
    expect(config.SMTP_USER).toBeUndefined();
    expect(DEFAULT_TEMPLATES_DIR).toMatch(/apps\/notifications\/templates$/);
  });

  it('reads SMTP_SECURE=false as false and true as true', () => {
    expect(loadNotificationsConfig({ SMTP_SECURE: 'false' }).SMTP_SECURE).toBe(false);
    expect(loadNotificationsConfig({ SMTP_SECURE: 'true' }).SMTP_SECURE).toBe(true);
  });

  it('names the bad fields', () => {
    expect(() => loadNotificationsConfig({ SMTP_PORT: 'x', MESSAGE_ID_DOMAIN: 'not a domain', MAIL_FROM: 'nobody' })).toThrow(
      /SMTP_PORT.*MAIL_FROM.*MESSAGE_ID_DOMAIN|SMTP_PORT.*MESSAGE_ID_DOMAIN.*MAIL_FROM/,
    );
  });

  it('wants SMTP_USER and SMTP_PASS together, without echoing the password', () => {
    let error: unknown;
    try {
      loadNotificationsConfig({ SMTP_PASS: 's3cret-password' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('SMTP_USER and SMTP_PASS');
    expect((error as Error).message).not.toContain('s3cret-password');
  });

  it('takes a payment authentication link template naming the invoice, and refuses one that names none, an unknown placeholder or no URL', () => {
    expect(loadNotificationsConfig({ PAYMENT_AUTHENTICATION_URL: 'https://billing.example.com/pay/{invoiceNumber}' }).PAYMENT_AUTHENTICATION_URL).toBe(
      'https://billing.example.com/pay/{invoiceNumber}',
    );
    expect(loadNotificationsConfig({ PAYMENT_AUTHENTICATION_URL: 'https://billing.example.com/invoices/{invoiceId}/authenticate' })).toBeDefined();
    expect(() => loadNotificationsConfig({ PAYMENT_AUTHENTICATION_URL: 'https://billing.example.com/pay' })).toThrow(
      /PAYMENT_AUTHENTICATION_URL: must contain \{invoiceNumber\} or \{invoiceId\}/,
    );
    expect(() => loadNotificationsConfig({ PAYMENT_AUTHENTICATION_URL: 'https://billing.example.com/pay/{invoice}' })).toThrow(
      /PAYMENT_AUTHENTICATION_URL: unknown placeholder\(s\) \{invoice\}/,
    );
    expect(() => loadNotificationsConfig({ PAYMENT_AUTHENTICATION_URL: '/pay/{invoiceNumber}' })).toThrow(/PAYMENT_AUTHENTICATION_URL: must be an absolute URL/);
    expect(() => loadNotificationsConfig({ PAYMENT_AUTHENTICATION_URL: 'ftp://billing.example.com/{invoiceNumber}' })).toThrow(
      /PAYMENT_AUTHENTICATION_URL: must be an http or https URL/,
    );
  });

  it('sends the configured payment authentication link in the authentication-required email', async () => {
    const config = loadNotificationsConfig({ PAYMENT_AUTHENTICATION_URL: 'https://billing.example.com/pay/{invoiceNumber}' });
    const templates = await loadTemplates(config.TEMPLATES_DIR, emailLinksOf(config));

    const email = renderEmail(templates, sampleChargeFailedAuthenticationRequired);

    expect(email.text).toContain('https://billing.example.com/pay/INV-2017-07-000001');
    expect(email.html).toContain('<a href="https://billing.example.com/pay/INV-2017-07-000001">');
  });

  it('links the invoice email to the hosted invoice page with a token signed by the configured secret, expiring a configured time after issue', async () => {
    const secret = 'a-deployment-secret-of-thirty-two-chars';
    const config = loadNotificationsConfig({ INVOICE_PAGE_SECRET: secret, INVOICE_PAGE_BASE_URL: 'https://billing.example.com/i/', INVOICE_PAGE_VALIDITY_DAYS: '30' });
    const templates = await loadTemplates(config.TEMPLATES_DIR, emailLinksOf(config));

    const email = renderEmail(templates, sampleInvoiceGenerated);

    const link = /https:\/\/billing\.example\.com\/i\/(\S+)/.exec(email.text);
    expect(link).not.toBeNull();
    expect(email.html).toContain(`<a href="https://billing.example.com/i/${link![1]}">`);
    const { invoiceId, issuedAt } = sampleInvoiceGenerated.payload;
    const day = 24 * 3600 * 1000;
    expect(verifyInvoicePageToken(link![1], secret, new Date(Date.parse(issuedAt) + 29 * day).toISOString())).toEqual({ invoiceId });
    expect(verifyInvoicePageToken(link![1], secret, new Date(Date.parse(issuedAt) + 30 * day).toISOString())).toBeNull();
    // from the event alone: a re-render is the same link
    expect(renderEmail(templates, structuredClone(sampleInvoiceGenerated)).text).toBe(email.text);
  });

  it('refuses a hosted-page secret shorter than 32 characters or a base URL that is not http(s)', () => {
    expect(() => loadNotificationsConfig({ INVOICE_PAGE_SECRET: 'short' })).toThrow(/INVOICE_PAGE_SECRET: must be at least 32 characters/);
    expect(() => loadNotificationsConfig({ INVOICE_PAGE_BASE_URL: 'ftp://x.example/i' })).toThrow(/INVOICE_PAGE_BASE_URL/);
  });
});
