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

  const usageRows = async (usageId: string, ofAccount?: string) =>
    (await service.runtime.dataSource.query(
      'SELECT quantity::text AS quantity FROM usage_records WHERE usage_id = $1 AND ($2::uuid IS NULL OR account_id = $2) ORDER BY account_id',
      [usageId, ofAccount ?? null],
    )) as {
      quantity: string;
    }[];
  const usageCount = async () =>
    ((await service.runtime.dataSource.query('SELECT count(*)::int AS n FROM usage_records')) as { n: number }[])[0].n;

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

  // Found by the fuzzer: 9999-12-31T23:59:59Z is in the period 10000-01 east of UTC, which no period column holds (was a 500).
  it.each(['9999-12-31T23:59:59Z', '2100-01-01T00:00:00Z', '1999-12-31T23:59:59Z'])(
    'refuses usage dated %s (outside 2000–2099) with a 400 naming the field and writes nothing',
    async (occurredAt) => {
      const far = record({ occurredAt });
      const answer = await api(service.url, 'POST', '/v1/usage', { records: [record(), far] });
      expect(answer.status).toBe(400);
      expect(answer.body.message).toContain('body.records.1.occurredAt');
      expect(await usageRows(far.usageId)).toHaveLength(0);
    },
  );

  it.each(['1000000000000000000000', '1e21', '1000000000000.5', '0.0000000001'])(
    'refuses a quantity of %s (beyond 10^12 or finer than 9 decimals) with a 400 naming the field and writes nothing',
    async (quantity) => {
      const before = await usageCount();
      const good = record();
      const response = await api(service.url, 'POST', '/v1/usage', { records: [good, record({ quantity })] });
      expect(response.status).toBe(400);
      expect(response.body.message).toContain('body.records.1.quantity');
      expect(await usageRows(good.usageId)).toHaveLength(0);
      expect(await usageCount()).toBe(before);
    },
  );

  it('accepts the largest quantity the limits allow', async () => {
    const largest = record({ quantity: '1000000000000.000000000' });
    const response = await api(service.url, 'POST', '/v1/usage', { records: [largest] });
    expect(response).toMatchObject({ status: 200, body: { accepted: 1 } });
    expect(await usageRows(largest.usageId)).toEqual([{ quantity: '1000000000000.000000000' }]);
  });

  it('counts the same id with the same facts, written differently, as a duplicate', async () => {
    const first = record({ quantity: '12.5', occurredAt: '2026-11-10T10:00:00Z' });
    expect(await api(service.url, 'POST', '/v1/usage', { records: [first] })).toMatchObject({ status: 200, body: { accepted: 1 } });
    const same = { ...first, quantity: '12.500', occurredAt: '2026-11-10T10:00:00.000Z' };
    const again = await api(service.url, 'POST', '/v1/usage', { records: [same, same] });
    expect(again).toMatchObject({ status: 200, body: { accepted: 0, duplicates: 2 } });
    expect(await usageRows(first.usageId)).toEqual([{ quantity: '12.5' }]);
  });

  it('refuses the same usage id with another quantity with a 409 naming the id and the field, and writes nothing of the batch', async () => {
    const first = record({ quantity: '12.5' });
    expect(await api(service.url, 'POST', '/v1/usage', { records: [first] })).toMatchObject({ status: 200, body: { accepted: 1 } });
    const before = await usageCount();
    const fresh = record();
    const changed = { ...first, quantity: '13', occurredAt: '2026-11-10T11:00:00Z' };
    const response = await api(service.url, 'POST', '/v1/usage', { records: [fresh, changed] });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'usage_conflict', usageIds: [first.usageId] });
    expect(response.body.message).toContain(first.usageId);
    expect(response.body.message).toContain('quantity');
    expect(response.body.fields).toEqual(['body.records.1.quantity', 'body.records.1.occurredAt']);
    expect(await usageRows(first.usageId)).toEqual([{ quantity: '12.5' }]);
    expect(await usageRows(fresh.usageId)).toHaveLength(0);
    expect(await usageCount()).toBe(before);
  });

  it('refuses the same usage id twice in one batch with different facts with a 409, writing nothing', async () => {
    const before = await usageCount();
    const first = record();
    const response = await api(service.url, 'POST', '/v1/usage', { records: [first, { ...first, sku: 'storage.gb' }] });
    expect(response.status).toBe(409);
    expect(response.body.message).toContain(first.usageId);
    expect(response.body.fields).toHaveLength(1);
    expect(response.body.fields[0]).toMatch(/^body\.records\.[01]\.sku$/);
    expect(await usageCount()).toBe(before);
  });

  it('keeps usage ids per account: account B may use an id account A used, and both are stored', async () => {
    const other = await service.createAccount();
    const usageId = `shared-${randomUUID()}`;
    const ofA = record({ usageId, quantity: '1' });
    const ofB = record({ usageId, accountId: other, quantity: '2' });
    expect(await api(service.url, 'POST', '/v1/usage', { records: [ofA] })).toMatchObject({ status: 200, body: { accepted: 1 } });
    expect(await api(service.url, 'POST', '/v1/usage', { records: [ofB] })).toMatchObject({ status: 200, body: { accepted: 1, duplicates: 0 } });
    expect(await usageRows(usageId, accountId)).toEqual([{ quantity: '1' }]);
    expect(await usageRows(usageId, other)).toEqual([{ quantity: '2' }]);
    const listed = await api(service.url, 'GET', `/v1/accounts/${other}/usage`);
    expect(listed.body.items).toEqual([expect.objectContaining({ usageId, quantity: '2' })]);
  });

  it('dead-letters a UsageRecorded that reuses a usage id with other facts, or carries a quantity beyond the limit, and stores the rest', async () => {
    const first = createEvent(UsageRecordedV1, meta(accountId), {
      usageId: `k-${randomUUID()}`,
      sku: 'api.request',
      resourceId: 'key-1',
      quantity: '1000',
      occurredAt: '2026-11-11T00:00:00Z',
    });
    await produce(deployment, TOPICS.usage, [first]);
    await waitFor(async () => (await usageRows(first.payload.usageId)).length === 1, { what: 'the first usage' });

    const conflicting = createEvent(UsageRecordedV1, meta(accountId), { ...first.payload, quantity: '2000' });
    const huge = { ...first, eventId: randomUUID(), payload: { ...first.payload, usageId: `k-${randomUUID()}`, quantity: '1e21' } };
    const neighbour = createEvent(UsageRecordedV1, meta(accountId), { ...first.payload, usageId: `k-${randomUUID()}` });
    await produce(deployment, TOPICS.usage, [conflicting, huge as typeof first, neighbour]);

    await waitFor(async () => (await usageRows(neighbour.payload.usageId)).length === 1, { what: 'the neighbour usage' });
    expect(await usageRows(first.payload.usageId)).toEqual([{ quantity: '1000' }]);
    expect(await usageRows(huge.payload.usageId)).toHaveLength(0);
    const dead = await readTopic(topicName(deployment.prefix, TOPICS.deadLetter), {
      until: (messages) => [conflicting.eventId, huge.eventId].every((id) => messages.some((m) => m.value?.includes(id))),
    });
    const conflictLetter = dead.find((m) => m.value?.includes(conflicting.eventId))!;
    expect(conflictLetter.headers['dlq-detail']).toContain('usage_conflict');
    expect(conflictLetter.headers['dlq-detail']).toContain(first.payload.usageId);
    const hugeLetter = dead.find((m) => m.value?.includes(huge.eventId))!;
    expect(hugeLetter.headers['dlq-reason']).toBe('schema_violation');
    expect(hugeLetter.headers['dlq-detail']).toContain('payload.quantity');
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
