import { ConfigError } from '@billing/messaging';
import { DEFAULT_TEMPLATES_DIR, loadNotificationsConfig } from './config';

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
});
