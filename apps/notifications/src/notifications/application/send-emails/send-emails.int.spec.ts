import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { Admin, Producer } from 'kafkajs';
import { simpleParser } from 'mailparser';
import request from 'supertest';
import { renderInvoicePdf, sellerOf, type Seller } from '@billing/documents';
import type { Envelope } from '@billing/events';
import { ServiceRuntime, billingTopicConfigs, bootService, dropDatabase, hashToken } from '@billing/messaging';
import { DATABASE_SERVER_URL, serviceEnv, testKafka, uniqueName, uniquePrefix, waitFor } from '@billing/testing';
import { AppModule } from '../../../app.module';
import { DEFAULT_TEMPLATES_DIR, loadNotificationsConfig } from '../../../config';
import { notificationsMigrations } from '../../../database';
import {
  TopicCollector,
  accountHoldPlaced,
  accountHoldReleased,
  chargeFailed,
  creditNoteIssued,
  customer,
  invoiceGenerated,
  publish,
  sleep,
} from '../../../testing/notifications-test-kit';
import { SmtpCaptureProcess } from '../../../testing/smtp-capture-process';
import { renderEmail } from '../../domain/render-email';
import { loadTemplates } from '../../infrastructure/load-templates';

const FINANCE_TOKEN = 'finance-token-notifications-int';
const OPERATOR_TOKEN = 'operator-token-notifications-int';

describe('send-emails (real SMTP capture, Kafka and PostgreSQL)', () => {
  const database = uniqueName('notifications');
  const prefix = uniquePrefix('notifications');
  const kafka = testKafka('notifications-int');
  let capture: SmtpCaptureProcess;
  let app: INestApplication;
  let runtime: ServiceRuntime;
  let producer: Producer;
  let admin: Admin;
  let collector: TopicCollector;
  let seller: Seller;

  beforeAll(async () => {
    capture = await SmtpCaptureProcess.start(['bounce.invalid']);
    await capture.configure({ tempFailRecipients: { 'flaky@example.test': 2 } });
    const config = loadNotificationsConfig({
      ...serviceEnv(),
      DATABASE_NAME: database,
      TOPIC_PREFIX: prefix,
      TOPIC_PARTITIONS: '3',
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
      AUTH_TOKENS: `finance:sha256=${hashToken(FINANCE_TOKEN)},operator:sha256=${hashToken(OPERATOR_TOKEN)}`,
      SMTP_PORT: String(capture.smtpPort),
      SMTP_RETRY_BASE_MS: '20',
      SMTP_RETRY_ATTEMPTS: '4',
      OUTBOX_POLL_MS: '20',
      INVOICE_EMAIL_ATTACH_PDF: 'true',
    });
    seller = sellerOf(config);
    ({ app, runtime } = await bootService({
      config,
      migrations: notificationsMigrations,
      module: (rt) => AppModule.forRoot(rt, config),
      handleSignals: false,
    }));
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    admin = kafka.admin();
    await admin.connect();
    collector = new TopicCollector(kafka, prefix);
    await collector.start();
  });

  afterAll(async () => {
    // Consumers leave their groups in parallel (each waits for its in-flight fetch to return).
    await Promise.all([collector?.stop(), producer?.disconnect(), app?.close()]);
    await capture?.stop();
    await admin?.deleteTopics({ topics: billingTopicConfigs({ prefix, partitions: 3 }).map((t) => t.topic) }).catch(() => undefined);
    await admin?.disconnect();
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  const mailTo = (address: string) => capture.messages(address);
  const handled = async (eventId: string) =>
    ((await runtime.dataSource.query(`SELECT 1 FROM inbox WHERE consumer = 'send-emails' AND event_id = $1`, [eventId])) as unknown[])
      .length === 1;
  const sentEmailRow = async (emailKey: string) =>
    ((await runtime.dataSource.query(`SELECT status, smtp_code, failure_reason FROM sent_emails WHERE email_key = $1`, [emailKey])) as {
      status: string;
      smtp_code: number | null;
      failure_reason: string | null;
    }[])[0];
  const api = () => request(app.getHttpServer());
  /**
   * Delivers `event`, waits for its EmailSent, delivers the very same event again (same eventId) and
   * then the same subject in a new envelope, as a republishing producer would send it.
   */
  const deliverAgainAndRepublish = async (event: Envelope, emailKey: string) => {
    await publish(producer, prefix, [event]);
    await waitFor(async () => collector.about(emailKey).length === 1, { what: `EmailSent ${emailKey}` });
    await publish(producer, prefix, [event]);
    const republished = { ...event, eventId: randomUUID() };
    await publish(producer, prefix, [republished]);
    await waitFor(() => handled(republished.eventId), { what: 'the republished event to be handled' });
    await sleep(300); // let any wrongly emitted second EmailSent reach the topic
  };

  it('sends one email and one EmailSent when the same invoice event is delivered twice', async () => {
    const address = `twice-${randomUUID()}@example.test`;
    const event = invoiceGenerated(`acct-${randomUUID()}`, { customer: customer({ email: address }) });
    const emailKey = `invoice:${event.payload.invoiceId}`;

    await deliverAgainAndRepublish(event, emailKey);

    const mails = await mailTo(address);
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe('Your invoice INV-2017-07-000001 for July 2017');
    expect(mails[0].text).toContain('$10.00');
    expect(mails[0].headers['x-billing-email-key']).toBe(emailKey);
    expect(mails[0].envelope).toEqual({ from: 'billing@example.com', to: [address] });
    expect(mails[0].headers.from).toBe('Billing <billing@example.com>');
    // INVOICE_EMAIL_ATTACH_PDF=true: the invoice PDF rendered from the event travels with it
    const { attachments } = await simpleParser(Buffer.from(mails[0].raw, 'utf8'));
    expect(attachments.map((a) => [a.contentType, a.filename])).toEqual([['application/pdf', `${event.payload.invoiceNumber}.pdf`]]);
    expect(attachments[0].content.equals(await renderInvoicePdf(event.payload, seller))).toBe(true);
    const emitted = collector.about(emailKey);
    expect(emitted.map((e) => e.type)).toEqual(['EmailSent']);
    expect(emitted[0]).toMatchObject({
      accountId: event.accountId,
      correlationId: event.correlationId,
      causationId: event.eventId,
      producer: 'notifications',
      payload: { emailKey, template: 'invoice', subjectId: event.payload.invoiceId, invoiceId: event.payload.invoiceId, messageId: mails[0].messageId },
    });
    expect(await sentEmailRow(emailKey)).toMatchObject({ status: 'sent', smtp_code: 250 });
  });

  it('sends one credit note email and one EmailSent when the same CreditNoteIssued is delivered twice and republished, as the event renders it', async () => {
    const address = `credit-${randomUUID()}@example.test`;
    const event = creditNoteIssued(`acct-${randomUUID()}`, { customer: customer({ email: address, locale: 'ja-JP', timeZone: 'Asia/Tokyo' }), currency: 'JPY' });
    const { creditNoteId, invoiceId } = event.payload;
    const emailKey = `credit-note:${creditNoteId}`;

    await deliverAgainAndRepublish(event, emailKey);

    const mails = await mailTo(address);
    expect(mails).toHaveLength(1);
    // what was sent is what the event renders to, whenever it is rendered again
    const rendered = renderEmail(await loadTemplates(DEFAULT_TEMPLATES_DIR), structuredClone(event));
    expect(mails[0]).toMatchObject({ subject: rendered.subject, messageId: rendered.messageId });
    expect((mails[0].text ?? '').replace(/\r\n/g, '\n').trimEnd()).toBe(rendered.text.trimEnd());
    expect(mails[0].text).toContain('￥250');
    expect(mails[0].headers['x-billing-email-key']).toBe(emailKey);
    // no invoice PDF on a credit note email, even with INVOICE_EMAIL_ATTACH_PDF=true
    expect((await simpleParser(Buffer.from(mails[0].raw, 'utf8'))).attachments).toEqual([]);
    const emitted = collector.about(emailKey);
    expect(emitted.map((e) => e.type)).toEqual(['EmailSent']);
    expect(emitted[0]).toMatchObject({
      causationId: event.eventId,
      payload: { emailKey, template: 'credit-note', subjectId: creditNoteId, invoiceId, messageId: rendered.messageId },
    });
    expect(await sentEmailRow(emailKey)).toMatchObject({ status: 'sent', smtp_code: 250 });
  });

  it('reports a permanent SMTP rejection as EmailFailed and does not retry it', async () => {
    const address = `nobody-${randomUUID()}@bounce.invalid`;
    const event = invoiceGenerated(`acct-${randomUUID()}`, { customer: customer({ email: address }) });
    const emailKey = `invoice:${event.payload.invoiceId}`;

    await publish(producer, prefix, [event]);
    const [failed] = await waitFor(async () => collector.about(emailKey).length > 0 && collector.about(emailKey), {
      what: 'EmailFailed',
    });
    expect(failed).toMatchObject({
      type: 'EmailFailed',
      causationId: event.eventId,
      payload: { emailKey, template: 'invoice', smtpCode: 550, invoiceId: event.payload.invoiceId },
    });
    expect(failed.payload.reason).toMatch(/recipient address rejected/);

    // A redelivery of the same invoice does not try again either.
    await publish(producer, prefix, [{ ...event, eventId: randomUUID() }]);
    await sleep(1000);
    expect(capture.refused.filter((r) => r.address === address)).toEqual([{ address, code: 550 }]);
    expect(await mailTo(address)).toHaveLength(0);
    expect(collector.about(emailKey)).toHaveLength(1);
    expect(await sentEmailRow(emailKey)).toMatchObject({ status: 'failed', smtp_code: 550 });
    expect(collector.deadLetters()).toHaveLength(0);
  });

  it('retries a temporary SMTP failure with back-off and then sends the email', async () => {
    const address = 'flaky@example.test'; // the capture answers 451 to its first two RCPT TO
    const event = invoiceGenerated(`acct-${randomUUID()}`, { customer: customer({ email: address }) });
    const emailKey = `invoice:${event.payload.invoiceId}`;

    await publish(producer, prefix, [event]);
    const [sent] = await waitFor(async () => collector.about(emailKey).length > 0 && collector.about(emailKey), { what: 'EmailSent' });
    expect(sent.type).toBe('EmailSent');
    expect(await mailTo(address)).toHaveLength(1);
    const rules = await capture.rules();
    expect(rules.tempFailRecipients[address]).toEqual({ failFirst: 2, attemptsSoFar: 3 });
    expect(await sentEmailRow(emailKey)).toMatchObject({ status: 'sent' });
  });

  it('does not send an accepted email again when its batch is retried for another, deferred email', async () => {
    const accountId = `acct-${randomUUID()}`; // one key: one partition, one batch
    const steady = `steady-${randomUUID()}@example.test`;
    const stubborn = `stubborn-${randomUUID()}@example.test`;
    await capture.configure({ tempFailRecipients: { [stubborn]: 6 } }); // outlasts one batch try (4 SMTP attempts)
    const accepted = invoiceGenerated(accountId, { customer: customer({ email: steady }) });
    const deferred = invoiceGenerated(accountId, { customer: customer({ email: stubborn }) });

    await publish(producer, prefix, [accepted, deferred]);
    await waitFor(async () => collector.about(`invoice:${deferred.payload.invoiceId}`).length > 0, {
      timeoutMs: 60_000,
      what: 'the deferred email sent in the end',
    });
    expect((await capture.rules()).tempFailRecipients[stubborn].attemptsSoFar).toBeGreaterThan(4); // the batch was tried again
    expect(await mailTo(steady)).toHaveLength(1); // the journaled acceptance was not sent twice
    expect(await mailTo(stubborn)).toHaveLength(1);
    expect(collector.about(`invoice:${accepted.payload.invoiceId}`)).toHaveLength(1);
  });

  it('sends different payment-failed emails for a retryable and a non-retryable charge failure', async () => {
    const accountId = `acct-${randomUUID()}`;
    const address = `card-${randomUUID()}@example.test`;
    const invoiceId = randomUUID();
    const retryable = chargeFailed(accountId, { invoiceId, attempt: 1, retryable: true, customer: customer({ email: address }) });
    const mustAct = chargeFailed(accountId, {
      invoiceId,
      attempt: 2,
      retryable: false,
      declineCode: 'lost_card',
      message: 'Your card was declined.',
      customer: customer({ email: address }),
    });

    await publish(producer, prefix, [retryable, mustAct]);
    await waitFor(async () => collector.about(`payment-failed:${invoiceId}:1`).length + collector.about(`payment-failed:${invoiceId}:2`).length === 2, {
      what: 'two EmailSent',
    });
    const mails = (await mailTo(address)).sort((a, b) => a.headers['x-billing-email-key'].localeCompare(b.headers['x-billing-email-key']));
    expect(mails.map((m) => m.subject)).toEqual([
      'Payment for invoice INV-2017-07-000001 failed, we will try again',
      'Action required: update your card to pay invoice INV-2017-07-000001',
    ]);
    expect(mails[0].text).toContain('we will retry the payment automatically');
    expect(mails[0].text).not.toContain('we will not retry it');
    expect(mails[1].text).toContain('Please update your card');
    expect(mails[1].text).toContain('we will not retry it');
    expect(mails[0].messageId).not.toBe(mails[1].messageId);
    expect(collector.about(`payment-failed:${invoiceId}:1`)[0].payload).toMatchObject({ template: 'payment-failed', invoiceId });
  });

  it('sends the account-on-hold and the hold-released emails', async () => {
    const accountId = `acct-${randomUUID()}`;
    const address = `hold-${randomUUID()}@example.test`;
    const placed = accountHoldPlaced(accountId, { customer: customer({ email: address }) });
    const released = accountHoldReleased(accountId, { holdId: placed.payload.holdId, customer: customer({ email: address }) });

    await publish(producer, prefix, [placed, released]);
    const holdId = placed.payload.holdId;
    await waitFor(async () => collector.about(`account-on-hold:${holdId}`).length + collector.about(`hold-released:${holdId}`).length === 2, {
      what: 'both hold emails',
    });
    const subjects = (await mailTo(address)).map((m) => m.subject);
    expect(subjects.sort()).toEqual(['Your account is active again', 'Your account is on hold']);
    const onHold = (await mailTo(address)).find((m) => m.subject === 'Your account is on hold')!;
    expect(onHold.text).toContain('INV-2017-07-000001');
    expect(onHold.text).toContain('$10.00');
    expect(collector.about(`account-on-hold:${holdId}`)[0].payload).toMatchObject({ template: 'account-on-hold', subjectId: holdId, invoiceId: null });
  });

  it('sends a batch of invoices concurrently, one email and one EmailSent each', async () => {
    const accountId = `acct-${randomUUID()}`; // one account: one partition, one batch
    const events = Array.from({ length: 24 }, (_, i) =>
      invoiceGenerated(accountId, { invoiceNumber: `INV-2017-07-B${String(i).padStart(4, '0')}`, customer: customer({ email: `batch-${i}@${accountId}.test` }) }),
    );
    await publish(producer, prefix, events);
    await waitFor(async () => events.every((e) => collector.about(`invoice:${e.payload.invoiceId}`).length === 1), {
      what: '24 EmailSent',
    });
    for (const [i, event] of events.entries()) {
      const mails = await mailTo(`batch-${i}@${accountId}.test`);
      expect(mails).toHaveLength(1);
      expect(mails[0].subject).toContain(event.payload.invoiceNumber);
    }
  });

  it('lists the sent-email log to finance by subject and refuses other callers', async () => {
    const address = `log-${randomUUID()}@example.test`;
    const event = invoiceGenerated(`acct-${randomUUID()}`, { customer: customer({ email: address }) });
    const invoiceId = event.payload.invoiceId;
    const failure = chargeFailed(event.accountId, { invoiceId, attempt: 1, customer: customer({ email: address }) });
    await publish(producer, prefix, [event, failure]);
    await waitFor(async () => collector.about(`invoice:${invoiceId}`).length === 1 && collector.about(`payment-failed:${invoiceId}:1`).length === 1, {
      what: 'both emails',
    });

    const res = await api().get('/v1/emails').query({ subjectId: invoiceId }).set('Authorization', `Bearer ${FINANCE_TOKEN}`).expect(200);
    expect(res.body.emails).toHaveLength(2);
    expect(res.body.emails.map((e: { emailKey: string }) => e.emailKey).sort()).toEqual([`invoice:${invoiceId}`, `payment-failed:${invoiceId}:1`]);
    const invoiceMail = res.body.emails.find((e: { template: string }) => e.template === 'invoice');
    expect(invoiceMail).toMatchObject({
      status: 'sent',
      subjectId: invoiceId,
      invoiceId,
      accountId: event.accountId,
      recipient: address,
      causationEventId: event.eventId,
      messageId: (await mailTo(address)).find((m) => m.headers['x-billing-email-key'] === `invoice:${invoiceId}`)!.messageId,
    });
    expect(invoiceMail.sentAt).toMatch(/Z$/);

    await api().get('/v1/emails').query({ subjectId: invoiceId }).expect(401);
    await api().get('/v1/emails').query({ subjectId: invoiceId }).set('Authorization', `Bearer ${OPERATOR_TOKEN}`).expect(403);
    const bad = await api().get('/v1/emails').query({ invoiceId: 'not-a-uuid' }).set('Authorization', `Bearer ${FINANCE_TOKEN}`).expect(400);
    expect(bad.body.message).toContain('query.invoiceId');
  });
});
