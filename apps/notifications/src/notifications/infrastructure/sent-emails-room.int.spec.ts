import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dropDatabase, openServiceDatabase } from '@billing/messaging';
import { DATABASE_SERVER_URL, uniqueName, updatesOf } from '@billing/testing';
import { notificationsMigrations } from '../../database';
import { EmailClaim, SentEmailsRepository } from './sent-emails.repository';

const BATCHES = 20;
const BATCH = 100;

/** An invoice email's claim with the field lengths a month close writes. */
function invoiceEmail(n: number): EmailClaim {
  const invoiceId = randomUUID();
  return {
    emailKey: `invoice:${invoiceId}`,
    template: 'invoice',
    subjectId: invoiceId,
    invoiceId,
    accountId: randomUUID(),
    causationEventId: randomUUID(),
    correlationId: randomUUID(),
    recipient: `customer-${String(n).padStart(6, '0')}@demo.example`,
    subject: `Your invoice INV-2026-10-${String(n).padStart(6, '0')} for October 2026`,
    messageId: `<${randomUUID().replace(/-/g, '')}@billing.local>`,
  };
}

/**
 * A batch claims its emails (`pending` rows) and records what the SMTP server said, in one
 * transaction, as the send-emails consumer does. The outcome changes no indexed column, so with
 * room on the page each update must be HOT: no new entry in the table's four indexes.
 */
describe('sent_emails: claim and outcome in one transaction (real PostgreSQL)', () => {
  const database = uniqueName('notifsentroom');
  const repository = new SentEmailsRepository();
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await openServiceDatabase({ serverUrl: DATABASE_SERVER_URL, database, migrations: notificationsMigrations });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  it('records every outcome, sent and failed, with an update that stays on the page (HOT) for nearly all of them', async () => {
    let updated = 0;
    let hot = 0;
    for (let b = 0; b < BATCHES; b++) {
      const claims = Array.from({ length: BATCH }, (_, i) => invoiceEmail(b * BATCH + i));
      await dataSource.transaction(async (manager) => {
        const counted = await updatesOf(manager, 'sent_emails', async () => {
          const claimed = await repository.claim(manager, claims, new Date().toISOString());
          expect(claimed.size).toBe(BATCH);
          const at = new Date().toISOString();
          await repository.record(
            manager,
            claims.map((c, i) =>
              i % 10 === 9
                ? { emailKey: c.emailKey, status: 'failed' as const, at, smtpCode: 550, reason: '550 5.1.1 mailbox unavailable' }
                : { emailKey: c.emailKey, status: 'sent' as const, at, smtpResponse: `250 Captured as #${b * BATCH + i}` },
            ),
          );
        });
        updated += counted.updated;
        hot += counted.hot;
      });
    }

    expect(updated).toBe(BATCHES * BATCH);
    const statuses = await dataSource.query(`SELECT status, count(*)::int AS n FROM sent_emails GROUP BY status ORDER BY status`);
    expect(statuses).toEqual([
      { status: 'failed', n: BATCHES * 10 },
      { status: 'sent', n: BATCHES * 90 },
    ]);
    expect(hot / updated).toBeGreaterThan(0.9); // 0 here at the default fill factor (1 % in the 100,000-account close), 1.0 at fill factor 50
  });
});
