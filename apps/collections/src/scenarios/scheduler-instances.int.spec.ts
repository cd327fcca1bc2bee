import { ManualClock, dropDatabase } from '@billing/messaging';
import { DATABASE_SERVER_URL, uniqueName, uniquePrefix, waitFor } from '@billing/testing';
import { RequestDueRetries } from '../collections/application/request-due-retries/request-due-retries';
import {
  CollectionsTopicWatcher,
  deleteTopics,
  PaymentsTopic,
  RunningCollections,
  bootCollections,
  chargeFailed,
  collectionsEnv,
  newInvoice,
  prepareTopics,
  sleep,
} from './harness';

/**
 * Two instances of collections on one database, both running the scheduler with small batches,
 * and one clock that jumps a day ahead: every retry becomes due for both at the same moment.
 */
describe('collections: several scheduler instances', () => {
  const database = uniqueName('collectionsx2');
  const prefix = uniquePrefix('collectionsx2');
  const clock = new ManualClock('2026-12-01T09:00:00.000Z');
  const instances: RunningCollections[] = [];
  let payments: PaymentsTopic;
  let watcher: CollectionsTopicWatcher;

  beforeAll(async () => {
    const env = collectionsEnv(database, prefix, { SCHEDULER_POLL_MS: '5', SCHEDULER_BATCH: '4' });
    await prepareTopics(prefix);
    instances.push(await bootCollections(env, clock));
    instances.push(await bootCollections(env, clock));
    payments = new PaymentsTopic(prefix);
    await payments.connect();
    watcher = new CollectionsTopicWatcher(prefix);
    await watcher.start();
  });

  afterAll(async () => {
    await watcher?.stop();
    await payments?.disconnect();
    await Promise.all(instances.map((i) => i.close()));
    await deleteTopics(prefix);
    await dropDatabase(DATABASE_SERVER_URL, database);
  });

  it('emits each due retry once when two instances run the scheduler at the same time', async () => {
    // given 40 failed invoices over 10 accounts, retry 2 due one day after the first failure (default policy)
    const invoices = Array.from({ length: 10 }, () => newInvoice()).flatMap((first) => [
      first,
      ...Array.from({ length: 3 }, () => newInvoice(first.accountId)),
    ]);
    await payments.produce(...invoices.map((invoice) => chargeFailed(invoice, 1, { failedAt: clock.now().toISOString() })));
    const db = instances[0].runtime.dataSource;
    await waitFor(async () => (await db.query(`SELECT count(*)::int AS n FROM dunning_cases`))[0].n === 40, { what: '40 cases' });
    await sleep(300);
    expect(watcher.events.filter((e) => e.type === 'ChargeRetryRequested')).toEqual([]);

    const claimed = instances.map((instance) => {
      const count = { rows: 0 };
      const retries = instance.app.get(RequestDueRetries);
      const execute = retries.execute.bind(retries);
      jest.spyOn(retries, 'execute').mockImplementation(async (limit) => {
        const n = await execute(limit);
        count.rows += n;
        return n;
      });
      return count;
    });

    // when a day passes for both instances at once
    clock.advance(24 * 60 * 60 * 1000);

    // then every invoice gets exactly one ChargeRetryRequested for attempt 2
    await waitFor(async () => watcher.events.filter((e) => e.type === 'ChargeRetryRequested').length >= 40, {
      what: '40 retries',
    });
    await sleep(1000);
    const retries = watcher.events.filter((e) => e.type === 'ChargeRetryRequested');
    expect(retries).toHaveLength(40);
    expect(new Set(retries.map((r) => r.payload.invoiceId))).toEqual(new Set(invoices.map((i) => i.invoiceId)));
    expect(retries.every((r) => r.payload.attempt === 2)).toBe(true);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE event_type = 'ChargeRetryRequested'`);
    expect(n).toBe(40);
    // and no case was claimed by both instances
    expect(claimed[0].rows + claimed[1].rows).toBe(40);
  });
});
