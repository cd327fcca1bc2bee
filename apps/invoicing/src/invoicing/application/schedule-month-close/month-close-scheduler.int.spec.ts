import { TOPICS } from '@billing/events';
import { ManualClock, topicName } from '@billing/messaging';
import { readTopic, waitFor } from '@billing/testing';
import {
  RunningInvoicing,
  api,
  newDeployment,
  removeDeployment,
  startInvoicing,
} from '../../../testing/invoicing-test-service';

describe('month-close scheduler with two instances (real PostgreSQL and Kafka)', () => {
  const deployment = newDeployment('invsched');
  // 09:00Z on 30 November: 23:00 in Kiritimati (UTC+14), where months end first. October has just ended.
  const clock = new ManualClock('2026-11-30T09:00:00.000Z');
  const instances: RunningInvoicing[] = [];
  const schedule = { MONTH_CLOSE_SCHEDULE_ENABLED: 'true', MONTH_CLOSE_SCHEDULE_CHECK_MS: '25' };

  beforeAll(async () => {
    instances.push(await startInvoicing(deployment, clock, schedule)); // migrates the database first
    instances.push(await startInvoicing(deployment, clock, schedule));
  });

  afterAll(async () => {
    for (const instance of instances) await instance.close();
    await removeDeployment(deployment);
  });

  const requests = async () =>
    (await instances[0].runtime.dataSource.query(
      `SELECT period, requested_by FROM month_close_requests ORDER BY period`,
    )) as { period: string; requested_by: string }[];
  const requestedEvents = async () =>
    (await instances[0].runtime.dataSource.query(
      `SELECT envelope->'payload'->>'period' AS period, count(*)::int AS n FROM outbox
       WHERE event_type = 'MonthCloseRequested' GROUP BY 1 ORDER BY 1`,
    )) as { period: string; n: number }[];

  it('requests each period once, when it has just ended, although two instances check the clock', async () => {
    await waitFor(async () => (await requests()).length === 1, { what: 'the October request' });
    const before = Date.now();
    await waitFor(async () => Date.now() - before > 300); // a dozen ticks of both schedulers
    expect(await requests()).toEqual([{ period: '2026-10', requested_by: 'scheduler' }]);

    clock.set('2026-11-30T10:00:00.000Z'); // midnight in Kiritimati: November has just ended there
    await waitFor(async () => (await requests()).length === 2, { what: 'the November request' });
    const after = Date.now();
    await waitFor(async () => Date.now() - after > 300);
    expect(await requests()).toEqual([
      { period: '2026-10', requested_by: 'scheduler' },
      { period: '2026-11', requested_by: 'scheduler' },
    ]);
    expect(await requestedEvents()).toEqual([
      { period: '2026-10', n: 1 },
      { period: '2026-11', n: 1 },
    ]);

    // A request by API for the scheduled period joins its run.
    const [{ run_id }] = await instances[0].runtime.dataSource.query(`SELECT run_id FROM month_close_requests WHERE period = '2026-11'`);
    const joined = await api(instances[1].url, 'POST', '/v1/month-closes', { period: '2026-11' });
    expect(joined).toMatchObject({ status: 200, body: { runId: run_id, joined: true } });

    const published = await readTopic(topicName(deployment.prefix, TOPICS.monthClose), {
      until: (m) => m.filter((x) => x.headers['event-type'] === 'MonthCloseRequested').length >= 2,
      settleMs: 500,
    });
    const periods = published
      .filter((m) => m.headers['event-type'] === 'MonthCloseRequested')
      .map((m) => JSON.parse(m.value!).payload.period)
      .sort();
    expect(periods).toEqual(['2026-10', '2026-11']);
  });
});
