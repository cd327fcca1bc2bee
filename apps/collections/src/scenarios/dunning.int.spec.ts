import { DataSource } from 'typeorm';
import { dropDatabase } from '@billing/messaging';
import { DATABASE_SERVER_URL, uniqueName, uniquePrefix, waitFor } from '@billing/testing';
import {
  CollectionsTopicWatcher,
  deleteTopics,
  InvoiceRef,
  PaymentsTopic,
  RunningCollections,
  TOKENS,
  bootCollections,
  chargeFailed,
  chargeSucceeded,
  collectionsEnv,
  newInvoice,
  prepareTopics,
  sleep,
} from './harness';

/**
 * Dunning against the real broker and database, with the schedule run in seconds:
 * retries 1s, 2s and 3s after the first failure, holds 2s after a failure retrying cannot fix.
 */
describe('collections: dunning retries and account holds', () => {
  const database = uniqueName('collections');
  const prefix = uniquePrefix('collections');
  let service: RunningCollections;
  let dataSource: DataSource;
  let payments: PaymentsTopic;
  let watcher: CollectionsTopicWatcher;
  /** Accounts whose card always declines: every requested retry fails again. */
  const declining = new Map<string, InvoiceRef>();

  beforeAll(async () => {
    await prepareTopics(prefix);
    service = await bootCollections(
      collectionsEnv(database, prefix, { DUNNING_RETRY_OFFSETS: '1s,2s,3s', DUNNING_HOLD_GRACE: '2s' }),
    );
    dataSource = service.runtime.dataSource;
    payments = new PaymentsTopic(prefix);
    await payments.connect();
    watcher = new CollectionsTopicWatcher(prefix);
    watcher.onEvent(async (event) => {
      if (event.type !== 'ChargeRetryRequested') return;
      const invoice = declining.get(event.payload.invoiceId);
      if (invoice) await payments.produce(chargeFailed(invoice, event.payload.attempt));
    });
    await watcher.start();
  });

  afterAll(async () => {
    await watcher?.stop();
    await payments?.disconnect();
    await service?.close();
    await deleteTopics(prefix);
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  const caseOf = async (invoiceId: string) =>
    (await dataSource.query('SELECT status, attempts_made, next_attempt, retry_requested_at FROM dunning_cases WHERE invoice_id = $1', [
      invoiceId,
    ]))[0];

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };
  const api = (path: string, init: { token?: string; method?: string; body?: unknown } = {}): Promise<JsonResponse> =>
    fetch(`${service.baseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    });

  it('takes a card that always declines through every scheduled retry, then places the account on hold exactly once', async () => {
    // given a card that always declines
    const invoice = newInvoice();
    declining.set(invoice.invoiceId, invoice);
    // when the first charge fails
    const first = chargeFailed(invoice, 1);
    await payments.produce(first);

    // then retries 2, 3 and 4 are requested, each fails, and the account goes on hold
    await waitFor(async () => watcher.of('AccountHoldPlaced', invoice.accountId).length > 0, { what: 'the hold', timeoutMs: 20_000 });
    await sleep(1500); // a duplicate retry or hold would have arrived by now
    const retries = watcher.of('ChargeRetryRequested', invoice.accountId);
    expect(retries.map((r) => r.payload.attempt)).toEqual([2, 3, 4]);
    expect(new Set(retries.map((r) => r.eventId)).size).toBe(3);
    const firstFailedAt = Date.parse(first.payload.failedAt);
    expect(retries.map((r) => Date.parse(r.payload.scheduledFor) - firstFailedAt)).toEqual([1000, 2000, 3000]);
    for (const r of retries) {
      expect(r).toMatchObject({ producer: 'collections', correlationId: first.correlationId, payload: { invoiceId: invoice.invoiceId } });
      expect(Date.parse(r.payload.requestedAt)).toBeGreaterThanOrEqual(Date.parse(r.payload.scheduledFor));
    }

    const holds = watcher.of('AccountHoldPlaced', invoice.accountId);
    expect(holds).toHaveLength(1);
    expect(holds[0].payload).toMatchObject({
      reason: 'retries_exhausted',
      unpaidInvoices: [
        { invoiceId: invoice.invoiceId, invoiceNumber: invoice.invoiceNumber, amountMinor: invoice.amountMinor, currency: 'USD' },
      ],
      customer: { email: 'ada@example.com', timeZone: 'Europe/Budapest', locale: 'hu-HU' },
    });
    expect(await caseOf(invoice.invoiceId)).toMatchObject({ status: 'exhausted', attempts_made: 4, next_attempt: null });

    const status = await (await api(`/v1/accounts/${invoice.accountId}/hold`, { token: TOKENS.operator })).json();
    expect(status).toMatchObject({
      accountId: invoice.accountId,
      onHold: true,
      activeHold: {
        holdId: holds[0].payload.holdId,
        reason: 'retries_exhausted',
        invoices: [{ invoiceId: invoice.invoiceId, amountMinor: invoice.amountMinor, currency: 'USD', status: 'exhausted' }],
      },
    });
  });

  it('skips the retries of a failure that retrying cannot fix and places the hold after the grace', async () => {
    // given
    const invoice = newInvoice();
    // when the charge fails because the customer must authenticate
    const failure = chargeFailed(invoice, 1, { retryable: false });
    await payments.produce(failure);

    // then no retry, and one hold once the 2s grace has passed
    await waitFor(async () => (await caseOf(invoice.invoiceId))?.status === 'action_required', { what: 'the case' });
    expect(watcher.of('AccountHoldPlaced', invoice.accountId)).toEqual([]);
    await waitFor(async () => watcher.of('AccountHoldPlaced', invoice.accountId).length > 0, { what: 'the hold' });
    await sleep(500);
    const [hold, ...more] = watcher.of('AccountHoldPlaced', invoice.accountId);
    expect(more).toEqual([]);
    expect(hold.payload.reason).toBe('payment_action_required');
    expect(Date.parse(hold.payload.placedAt)).toBeGreaterThanOrEqual(Date.parse(failure.payload.failedAt) + 2000);
    expect(hold.causationId).toBe(failure.eventId);
    expect(watcher.of('ChargeRetryRequested', invoice.accountId)).toEqual([]);
  });

  it('releases the hold exactly once when the invoice is paid later, even when the payment is delivered twice', async () => {
    // given an account on hold (a failure past its grace)
    const invoice = newInvoice();
    await payments.produce(chargeFailed(invoice, 1, { retryable: false, failedAt: new Date(Date.now() - 60_000).toISOString() }));
    await waitFor(async () => watcher.of('AccountHoldPlaced', invoice.accountId).length > 0, { what: 'the hold' });

    // when the customer pays; the success is delivered twice and reported again under a new event id
    const paid = chargeSucceeded(invoice, 2);
    await payments.produce(paid, paid, { ...paid, eventId: crypto.randomUUID() });

    // then one release, reason paid
    await waitFor(async () => watcher.of('AccountHoldReleased', invoice.accountId).length > 0, { what: 'the release' });
    await sleep(1000);
    const released = watcher.of('AccountHoldReleased', invoice.accountId);
    expect(released).toHaveLength(1);
    expect(released[0].payload).toMatchObject({
      holdId: watcher.of('AccountHoldPlaced', invoice.accountId)[0].payload.holdId,
      reason: 'paid',
      releasedBy: null,
      customer: { name: 'Ada Lovelace' },
    });
    expect(released[0].causationId).toBe(paid.eventId);
    expect(watcher.of('AccountHoldPlaced', invoice.accountId)).toHaveLength(1);
    const status = await (await api(`/v1/accounts/${invoice.accountId}/hold`, { token: TOKENS.finance })).json();
    expect(status).toMatchObject({ onHold: false, activeHold: null, history: [{ releaseReason: 'paid', releasedBy: null }] });
  });

  it('releases a hold over two unpaid invoices only when both are paid', async () => {
    // given two invoices of one account that the customer must act on
    const a = newInvoice();
    const b = newInvoice(a.accountId, 500);
    await payments.produce(chargeFailed(a, 1, { retryable: false }), chargeFailed(b, 1, { retryable: false }));
    await waitFor(async () => watcher.of('AccountHoldPlaced', a.accountId).length > 0, { what: 'the hold' });
    const [hold] = watcher.of('AccountHoldPlaced', a.accountId);
    expect(hold.payload.unpaidInvoices.map((i) => i.invoiceId).sort()).toEqual([a.invoiceId, b.invoiceId].sort());

    // and the hold is listed among the current holds
    const listed = await waitFor(async () => {
      const page = await (await api('/v1/holds?limit=500', { token: TOKENS.finance })).json();
      return page.items.find((h: { accountId: string }) => h.accountId === a.accountId);
    });
    expect(listed).toMatchObject({ holdId: hold.payload.holdId, reason: 'payment_action_required' });

    // when the first invoice is paid
    await payments.produce(chargeSucceeded(a, 2));
    await waitFor(async () => (await caseOf(a.invoiceId)).status === 'paid', { what: 'invoice A paid' });
    await sleep(500);
    // then the account stays on hold
    expect(watcher.of('AccountHoldReleased', a.accountId)).toEqual([]);
    expect(await (await api(`/v1/accounts/${a.accountId}/hold`, { token: TOKENS.finance })).json()).toMatchObject({ onHold: true });

    // when the second is paid too
    await payments.produce(chargeSucceeded(b, 2));
    // then the hold is released, once
    await waitFor(async () => watcher.of('AccountHoldReleased', a.accountId).length > 0, { what: 'the release' });
    await sleep(500);
    expect(watcher.of('AccountHoldReleased', a.accountId)).toEqual([
      expect.objectContaining({ payload: expect.objectContaining({ holdId: hold.payload.holdId, reason: 'paid' }) }),
    ]);
  });

  it('schedules one retry when the same ChargeFailed is delivered twice', async () => {
    // given
    const invoice = newInvoice();
    const failure = chargeFailed(invoice, 1);
    // when the failure is delivered twice, and payments reports it again under a new event id
    await payments.produce(failure, failure);
    await payments.produce({ ...failure, eventId: crypto.randomUUID() });

    // then one retry (attempt 2), requested once
    await waitFor(async () => watcher.of('ChargeRetryRequested', invoice.accountId).length > 0, { what: 'the retry' });
    await sleep(1000);
    expect(watcher.of('ChargeRetryRequested', invoice.accountId).map((r) => r.payload.attempt)).toEqual([2]);
    expect(await caseOf(invoice.invoiceId)).toMatchObject({ status: 'retrying', attempts_made: 1, next_attempt: 2 });
    const [{ count }] = await dataSource.query(
      `SELECT count(*)::int AS count FROM outbox WHERE event_type = 'ChargeRetryRequested' AND partition_key = $1`,
      [invoice.accountId],
    );
    expect(count).toBe(1);
  });

  it('lets only an admin release a hold by hand, with a reason, and audits it', async () => {
    // given an account on hold
    const invoice = newInvoice();
    await payments.produce(chargeFailed(invoice, 1, { retryable: false, failedAt: new Date(Date.now() - 60_000).toISOString() }));
    await waitFor(async () => watcher.of('AccountHoldPlaced', invoice.accountId).length > 0, { what: 'the hold' });
    const path = `/v1/accounts/${invoice.accountId}/hold/release`;

    // when finance tries, or nobody
    expect((await api(path, { method: 'POST', token: TOKENS.finance, body: { reason: 'customer called' } })).status).toBe(403);
    expect((await api(path, { method: 'POST', body: { reason: 'customer called' } })).status).toBe(401);
    // when an admin gives no reason
    const missing = await api(path, { method: 'POST', token: TOKENS.admin, body: {} });
    expect(missing.status).toBe(400);
    expect((await missing.json()).message).toMatch(/body\.reason/);
    // then nothing changed
    expect(await (await api(`/v1/accounts/${invoice.accountId}/hold`, { token: TOKENS.admin })).json()).toMatchObject({ onHold: true });

    // when an admin gives a reason
    const ok = await api(path, {
      method: 'POST',
      token: TOKENS.admin,
      body: { reason: 'card updated by phone', releasedBy: 'grace@example.com' },
    });
    expect(ok.status).toBe(200);
    const body = await ok.json();

    // then AccountHoldReleased (manual) is emitted, and the release is audited
    await waitFor(async () => watcher.of('AccountHoldReleased', invoice.accountId).length > 0, { what: 'the release' });
    const [released] = watcher.of('AccountHoldReleased', invoice.accountId);
    expect(released.eventId).toBe(body.eventId);
    expect(released.payload).toMatchObject({ reason: 'manual', releasedBy: 'grace@example.com', note: 'card updated by phone' });
    const audit = await dataSource.query('SELECT actor, reason, action, hold_id FROM hold_audit WHERE account_id = $1', [invoice.accountId]);
    expect(audit).toEqual([
      { actor: 'grace@example.com', reason: 'card updated by phone', action: 'manual_release', hold_id: released.payload.holdId },
    ]);
    const status = await (await api(`/v1/accounts/${invoice.accountId}/hold`, { token: TOKENS.operator })).json();
    expect(status).toMatchObject({
      onHold: false,
      history: [{ releaseReason: 'manual', releasedBy: 'grace@example.com', note: 'card updated by phone' }],
      audit: [{ actor: 'grace@example.com', reason: 'card updated by phone' }],
    });

    // and a second release finds no hold, and the scheduler does not put the forgiven invoice back on hold
    expect((await api(path, { method: 'POST', token: TOKENS.admin, body: { reason: 'again' } })).status).toBe(409);
    await sleep(500);
    expect(watcher.of('AccountHoldPlaced', invoice.accountId)).toHaveLength(1);
    expect(watcher.of('AccountHoldReleased', invoice.accountId)).toHaveLength(1);
  });

  it('paginates the current holds and validates the page query', async () => {
    const first = await (await api('/v1/holds?limit=1', { token: TOKENS.operator })).json();
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toBe(first.items[0].accountId);
    const second = await (await api(`/v1/holds?limit=1&cursor=${encodeURIComponent(first.nextCursor)}`, { token: TOKENS.operator })).json();
    expect(second.items[0]?.accountId ?? null).not.toBe(first.items[0].accountId);
    const bad = await api('/v1/holds?limit=0', { token: TOKENS.operator });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toMatch(/query\.limit/);
  });
});
