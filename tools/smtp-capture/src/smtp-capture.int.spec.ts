import nodemailer from 'nodemailer';
import { createSmtpCapture, type CapturedMessage, type SmtpCapture } from './smtp-capture';

// Integration tier: a real SMTP server and a real nodemailer client on ephemeral ports; no broker needed.
describe('smtp capture', () => {
  let capture: SmtpCapture;
  let smtpPort: number;
  let api: string;

  const transport = () =>
    nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });

  const sendTo = (to: string, subject = 'Hello') =>
    transport().sendMail({
      from: 'Billing <billing@example.test>',
      to,
      subject,
      text: 'plain body',
      html: '<p>html body</p>',
      messageId: `<${subject.replace(/\W/g, '')}@billing.local>`,
      headers: { 'X-Billing-Email-Key': `key-${subject}` },
    });

  const getJson = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${api}${path}`);
    return { status: res.status, body: (await res.json()) as T };
  };

  const postConfig = (body: unknown) =>
    fetch(`${api}/api/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeEach(async () => {
    capture = createSmtpCapture({
      smtpPort: 0,
      httpPort: 0,
      rejectRecipients: ['bounce.invalid'],
      tempFailRecipients: { 'flaky@example.test': 2 },
      now: () => new Date('2017-08-08T03:31:10.000Z'),
    });
    const ports = await capture.start();
    smtpPort = ports.smtpPort;
    api = `http://127.0.0.1:${ports.httpPort}`;
  });

  afterEach(async () => {
    await capture.stop();
  });

  it('stores a parsed message and serves it as JSON over HTTP', async () => {
    await sendTo('Ann <ann@example.test>', 'Your invoice');

    const { status, body } = await getJson<CapturedMessage[]>('/api/messages');

    expect(status).toBe(200);
    expect(body).toHaveLength(1);
    const [message] = body;
    expect(message).toMatchObject({
      index: 0,
      messageId: '<Yourinvoice@billing.local>',
      from: 'billing@example.test',
      to: ['ann@example.test'],
      envelope: { from: 'billing@example.test', to: ['ann@example.test'] },
      subject: 'Your invoice',
      text: 'plain body',
      html: '<p>html body</p>',
      receivedAt: '2017-08-08T03:31:10.000Z',
    });
    expect(message.headers['x-billing-email-key']).toBe('key-Your invoice');
    expect(message.headers['message-id']).toBe('<Yourinvoice@billing.local>');
    expect(message.raw).toContain('Subject: Your invoice');
    expect(await capture.messages()).toEqual(body);
  });

  it('filters messages by recipient and serves one message by index', async () => {
    await sendTo('ann@example.test', 'First');
    await sendTo('bob@example.test', 'Second');

    const forBob = await getJson<CapturedMessage[]>('/api/messages?to=BOB@example.test');
    const second = await getJson<CapturedMessage>('/api/messages/1');
    const missing = await getJson<{ error: string }>('/api/messages/7');

    expect(forBob.body.map((m) => m.subject)).toEqual(['Second']);
    expect(second.body.subject).toBe('Second');
    expect(missing.status).toBe(404);
  });

  it('forgets every message on DELETE', async () => {
    await sendTo('ann@example.test');

    const res = await fetch(`${api}/api/messages`, { method: 'DELETE' });

    expect(res.status).toBe(204);
    await expect(getJson('/api/messages')).resolves.toEqual({ status: 200, body: [] });
  });

  it('refuses recipients at a rejected domain with a permanent 550 and stores nothing', async () => {
    await expect(sendTo('nobody@bounce.invalid')).rejects.toMatchObject({ responseCode: 550 });

    expect(await capture.messages()).toEqual([]);
  });

  it('answers 451 to the first N attempts for a temp-fail address, then accepts', async () => {
    await expect(sendTo('flaky@example.test')).rejects.toMatchObject({ responseCode: 451 });
    await expect(sendTo('flaky@example.test')).rejects.toMatchObject({ responseCode: 451 });
    await expect(sendTo('flaky@example.test')).resolves.toMatchObject({ accepted: ['flaky@example.test'] });

    expect(await capture.messages()).toHaveLength(1);
  });

  it('switches rejection rules through POST /api/config', async () => {
    const res = await postConfig({ rejectRecipients: ['carol@example.test'], tempFailRecipients: { 'dan@example.test': 1 } });

    expect(res.status).toBe(200);
    await expect(sendTo('carol@example.test')).rejects.toMatchObject({ responseCode: 550 });
    await expect(sendTo('dan@example.test')).rejects.toMatchObject({ responseCode: 451 });
    await expect(sendTo('dan@example.test')).resolves.toMatchObject({ accepted: ['dan@example.test'] });
    await expect(sendTo('x@bounce.invalid')).resolves.toMatchObject({ accepted: ['x@bounce.invalid'] });
  });

  it('accepts a regular expression rule through POST /api/config', async () => {
    await postConfig({ rejectPattern: '^blocked-' });

    await expect(sendTo('Blocked-1@example.test')).rejects.toMatchObject({ responseCode: 550 });
    await expect(sendTo('ok@example.test')).resolves.toMatchObject({ accepted: ['ok@example.test'] });
  });

  it('answers 400 naming the field when a config update is invalid', async () => {
    const res = await postConfig({ tempFailRecipients: { 'dan@example.test': -1 } });

    expect(res.status).toBe(400);
    await expect(res.json()).resolves.toEqual({ error: expect.stringContaining('tempFailRecipients.dan@example.test') });
  });
});
