import { Stack } from '../scripts/stack/stack';
import { requestMonthClose, seed, waitForCascade } from '../scripts/scenario/month-close-scenario';
import { DemoAccount } from '../scripts/scenario/population';
import { verifyCascade } from '../scripts/scenario/verify';
import { destroyStack, privateStack } from './stack-fixture';

const PERIOD = '2026-10';
const ACCOUNTS = 300;

describe('a month close through the whole cascade (five services, Kafka, PostgreSQL, Stripe sandbox, SMTP)', () => {
  let stack: Stack;
  let accounts: DemoAccount[];

  beforeAll(async () => {
    stack = await privateStack('e2e');
    await stack.up({ startKafka: false });
    accounts = (await seed(stack, ACCOUNTS, PERIOD, 7)).accounts;
  });

  afterAll(async () => {
    if (stack) await destroyStack(stack);
  });

  it('invoices every account once, charges each invoice once, emails it once, and holds the declining accounts', async () => {
    const runId = await requestMonthClose(stack, PERIOD);
    const settled = await waitForCascade(stack, runId, PERIOD, { timeoutMs: 240_000 });
    expect(settled.run).toMatchObject({ status: 'completed', invoiced: ACCOUNTS, accountsInScope: ACCOUNTS });

    const result = await verifyCascade(stack, PERIOD, accounts, { retriesPerDecline: 3 });
    expect(result.problems).toEqual([]);
    expect(result.invoices).toHaveLength(ACCOUNTS);
    // the population has paying and declining cards, zero invoices and credits: all exercised
    expect(result.holds.length).toBeGreaterThan(10);
    expect(result.charges.filter((c) => c.status === 'succeeded').length).toBeGreaterThan(ACCOUNTS / 2);
    expect(result.invoices.filter((i) => i.totalMinor === 0).length).toBeGreaterThan(0);
    expect(new Set(result.invoices.map((i) => i.currency))).toEqual(new Set(['USD', 'EUR', 'HUF', 'JPY', 'KWD']));
  });

  it('answers a second month close for the same period by joining the finished run, invoicing nothing new', async () => {
    const before = await verifyCascade(stack, PERIOD, accounts);
    await requestMonthClose(stack, PERIOD);
    await new Promise((r) => setTimeout(r, 2000));
    const after = await verifyCascade(stack, PERIOD, accounts);
    expect(after.problems).toEqual([]);
    expect(after.invoices.map((i) => i.invoiceId).sort()).toEqual(before.invoices.map((i) => i.invoiceId).sort());
    expect(after.charges).toHaveLength(before.charges.length);
  });
});
