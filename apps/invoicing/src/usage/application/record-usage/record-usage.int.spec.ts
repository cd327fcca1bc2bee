import { randomUUID } from 'node:crypto';
import { TOPICS, UsageRecordedV1, createEvent } from '@billing/events';
import { ManualClock, topicName } from '@billing/messaging';
import { readTopic, waitFor } from '@billing/testing';
import { api, invoicingForSuite, meta, produce } from '../../../testing/invoicing-test-service';

describe('usage upload and UsageRecorded consumer (real PostgreSQL and Kafka)', () => {
  const clock = new ManualClock('2026-11-20T12:00:00.000Z');
  const service = invoicingForSuite('invusage', clock);
  const { deployment } = service;
  let accountId: string;

  beforeAll(async () => {
    accountId = await service.createAccount();
  });

  const usageRows = async (usageId: string) =>
    (await service.runtime.dataSource.query('SELECT quantity::text AS quantity FROM usage_records WHERE usage_id = $1', [usageId])) as {
      quantity: string;
    }[];

  const record = (overrides: Record<string, unknown> = {}) => ({
    usageId: `u-${randomUUID()}`,
    accountId,
    sku: 'vm.small',
    resourceId: 'srv-1',
    quantity: '12.5',
    occurredAt: '2026-11-10T10:00:00Z',
    ...overrides,
  });

  it('counts a retried usage upload once', async () => {
    const batch = { records: [record(), record({ sku: 'storage.gb', quantity: '3' })] };
    const first = await api(service.url, 'POST', '/v1/usage', batch);
    expect(first).toMatchObject({ status: 200, body: { accepted: 2, duplicates: 0 } });
    const retry = await api(service.url, 'POST', '/v1/usage', batch);
    expect(retry).toMatchObject({ status: 200, body: { accepted: 0, duplicates: 2 } });
    for (const r of batch.records) expect(await usageRows(r.usageId)).toHaveLength(1);
  });

  it('refuses the whole batch with a 400 naming the record and field when an account or SKU is unknown', async () => {
    const good = record();
    const unknownSku = await api(service.url, 'POST', '/v1/usage', { records: [good, record({ sku: 'nope' })] });
    expect(unknownSku.status).toBe(400);
    expect(unknownSku.body.message).toContain('body.records.1.sku');
    const unknownAccount = await api(service.url, 'POST', '/v1/usage', { records: [record({ accountId: randomUUID() }), good] });
    expect(unknownAccount.body.message).toContain('body.records.0.accountId');
    const badQuantity = await api(service.url, 'POST', '/v1/usage', { records: [good, record({ quantity: '-1' })] });
    expect(badQuantity.body.message).toContain('body.records.1.quantity');
    const badInstant = await api(service.url, 'POST', '/v1/usage', { records: [record({ occurredAt: '2026-11-10 10:00' })] });
    expect(badInstant.body.message).toContain('body.records.0.occurredAt');
    expect(await usageRows(good.usageId)).toHaveLength(0);
  });

  it('counts the same UsageRecorded delivered twice once and dead-letters a record for an unknown account', async () => {
    const usage = createEvent(UsageRecordedV1, meta(accountId), {
      usageId: `k-${randomUUID()}`,
      sku: 'api.request',
      resourceId: 'key-1',
      quantity: '1000',
      occurredAt: '2026-11-11T00:00:00Z',
    });
    const stranger = createEvent(UsageRecordedV1, meta(randomUUID()), { ...usage.payload, usageId: `k-${randomUUID()}` });
    const marker = createEvent(UsageRecordedV1, meta(accountId), { ...usage.payload, usageId: `k-${randomUUID()}` });
    await produce(deployment, TOPICS.usage, [usage, usage]);
    await produce(deployment, TOPICS.usage, [stranger, { ...usage, eventId: randomUUID() }, marker]);

    await waitFor(async () => (await usageRows(marker.payload.usageId)).length === 1, { what: 'the marker usage' });
    expect(await usageRows(usage.payload.usageId)).toEqual([{ quantity: '1000' }]);
    expect(await usageRows(stranger.payload.usageId)).toHaveLength(0);

    const dead = await readTopic(topicName(deployment.prefix, TOPICS.deadLetter), {
      until: (messages) => messages.some((m) => m.value?.includes(stranger.eventId)),
    });
    const letter = dead.find((m) => m.value?.includes(stranger.eventId))!;
    expect(letter.headers['dlq-reason']).toBe('handler_error');
    expect(letter.headers['dlq-detail']).toContain('accountId');
  });
});
