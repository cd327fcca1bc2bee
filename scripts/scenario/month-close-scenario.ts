/**
 * The whole cascade, driven only through public interfaces: accounts and usage through the
 * invoicing API, customers through the official Stripe SDK against the sandbox, the month
 * close through the API; progress and results read from every service's API, the sandbox's
 * charge list and the captured mail.
 */
import Stripe from 'stripe';
import { DEV_TOKENS, Stack } from '../stack/stack';
import { ApiError, api, pool } from './client';
import { DemoAccount, demoPopulation, usageFor } from './population';

export interface SeedResult {
  accounts: DemoAccount[];
  usageRecords: number;
}

export function stripeClient(stack: Stack): Stripe {
  return new Stripe('sk_test_sandbox', {
    host: '127.0.0.1',
    port: stack.options.ports.stripe,
    protocol: 'http',
    maxNetworkRetries: 2,
  });
}

/** Creates the customers in the Stripe sandbox, the accounts and a month of usage. */
export async function seed(stack: Stack, count: number, period: string, randomSeed = 42, onProgress?: (done: number) => void): Promise<SeedResult> {
  const accounts = demoPopulation(count, randomSeed);
  const stripe = stripeClient(stack);
  const invoicing = stack.url('invoicing');
  let done = 0;
  await pool(accounts, 64, async (account) => {
    const customer = await stripe.customers.create({ name: account.name, email: account.billingEmail });
    await api(invoicing, '/v1/accounts', {
      token: DEV_TOKENS.operator,
      method: 'POST',
      body: {
        accountId: account.accountId,
        name: account.name,
        billingEmail: account.billingEmail,
        currency: account.currency,
        timeZone: account.timeZone,
        locale: account.locale,
        providerCustomerId: customer.id,
        paymentMethodId: account.paymentMethodId,
        creditBalanceMinor: account.creditBalanceMinor,
      },
    }).catch((error) => {
      // a retried create whose first attempt went through: the account exists, with this id
      if (!(error instanceof ApiError && error.status === 409)) throw error;
    });
    onProgress?.(++done);
  });
  const usageRecords = await seedUsage(stack, accounts, period, randomSeed);
  return { accounts, usageRecords };
}

/** Records the accounts' usage in `period` (idempotent: the same period gives the same usage ids); returns how many records. */
export async function seedUsage(stack: Stack, accounts: readonly DemoAccount[], period: string, randomSeed = 42): Promise<number> {
  const invoicing = stack.url('invoicing');
  const records = accounts.flatMap((a, i) => usageFor(a, period, randomSeed * 100_003 + i));
  const batches: (typeof records)[] = [];
  for (let i = 0; i < records.length; i += 500) batches.push(records.slice(i, i + 500));
  await pool(batches, 4, async (batch) => {
    await api(invoicing, '/v1/usage', { token: DEV_TOKENS.operator, method: 'POST', body: { records: batch } });
  });
  return records.length;
}

export async function requestMonthClose(stack: Stack, period: string): Promise<string> {
  const result = await api<{ runId: string }>(stack.url('invoicing'), '/v1/month-closes', {
    token: DEV_TOKENS.operator,
    method: 'POST',
    body: { period },
  });
  return result.runId;
}

export interface RunStatus {
  status: string;
  accountsInScope: number;
  invoiced: number;
  zeroTotal: number;
  remaining: number;
  startedAt?: string | null;
  completedAt?: string | null;
}

export interface SandboxCharge {
  id: string;
  payment_intent: string;
  amount: number;
  currency: string;
  status: string;
  metadata: Record<string, string>;
  idempotency_key: string | null;
  /** Unix seconds. */
  created: number;
}

export interface CapturedMail {
  messageId: string;
  to: string[];
  subject: string;
  text: string;
  headers: Record<string, string>;
}

export interface CascadeProgress {
  run: RunStatus;
  charges: { succeeded: number; failed: number };
  /** Accounts with a declined charge: collections ends each of them on hold. */
  decliningAccounts: number;
  emails: number;
  holds: number;
  /**
   * Charges waiting for the provider's pace (payments' GET /v1/charges/backlog: requests not yet
   * read + invoices received without a first outcome) and the shared pace; null if not answered.
   */
  chargesWaiting: { count: number; ratePerSecond: number | null } | null;
}

export interface ChargeBacklog {
  chargesWaiting: number;
  pace: { ratePerSecond: number; budgetPerSecond: number; thisProcess?: { granted: number; idleMs: number; lostToStallsMs: number } } | null;
}

/** `120 (at 95/s)`: charges waiting for the provider's pace; `?` when payments did not answer. */
export function describeChargesWaiting(waiting: CascadeProgress['chargesWaiting']): string {
  if (waiting === null) return '?';
  return `${waiting.count}${waiting.ratePerSecond === null ? '' : ` (at ${waiting.ratePerSecond.toFixed(0)}/s)`}`;
}

/** Payments' backlog, summed over its instances' shared database (one answer is enough). */
export async function chargeBacklog(stack: Stack): Promise<ChargeBacklog> {
  return api<ChargeBacklog>(stack.url('payments'), '/v1/charges/backlog', { token: DEV_TOKENS.finance });
}

export async function runStatus(stack: Stack, runId: string): Promise<RunStatus> {
  return api<RunStatus>(stack.url('invoicing'), `/v1/month-closes/${runId}`, { token: DEV_TOKENS.operator });
}

export async function sandboxCharges(stack: Stack): Promise<SandboxCharge[]> {
  const body = await api<{ data: SandboxCharge[] } | SandboxCharge[]>(stack.url('stripe'), '/_sandbox/charges');
  return Array.isArray(body) ? body : body.data;
}

export async function capturedMail(stack: Stack): Promise<CapturedMail[]> {
  const body = await api<{ messages: CapturedMail[] } | CapturedMail[]>(stack.url('smtpHttp'), '/api/messages');
  return Array.isArray(body) ? body : body.messages;
}

export async function currentHolds(stack: Stack): Promise<{ accountId: string }[]> {
  const holds: { accountId: string }[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: { accountId: string }[]; nextCursor: string | null } = await api(
      stack.url('collections'),
      `/v1/holds?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { token: DEV_TOKENS.finance },
    );
    holds.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return holds;
}

export async function progress(stack: Stack, runId: string): Promise<CascadeProgress> {
  const [run, charges, mail, holds, backlog] = await Promise.all([
    runStatus(stack, runId),
    sandboxCharges(stack),
    capturedMail(stack),
    currentHolds(stack),
    chargeBacklog(stack).catch(() => null),
  ]);
  return {
    run,
    charges: {
      succeeded: charges.filter((c) => c.status === 'succeeded').length,
      failed: charges.filter((c) => c.status !== 'succeeded').length,
    },
    decliningAccounts: new Set(charges.filter((c) => c.status !== 'succeeded').map((c) => c.metadata.account_id)).size,
    emails: mail.length,
    holds: holds.length,
    chargesWaiting: backlog && { count: backlog.chargesWaiting, ratePerSecond: backlog.pace?.ratePerSecond ?? null },
  };
}

export function reportFor<T>(stack: Stack, path: string, accept?: string): Promise<T> {
  return api<T>(stack.url('reporting'), path, { token: DEV_TOKENS.finance, accept });
}

/** Every list of the reconciliation report, by name (empty after a clean month close). */
export function reconciliationLists(report: Record<string, unknown>): Record<string, unknown[]> {
  const lists: Record<string, unknown[]> = {};
  const visit = (value: unknown, path: string) => {
    if (Array.isArray(value)) lists[path] = value;
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, path ? `${path}.${k}` : k);
    }
  };
  visit(report, '');
  return lists;
}

/** Waits until the cascade settled: run completed, every invoice charged/skipped and emailed, holds placed. */
export async function waitForCascade(
  stack: Stack,
  runId: string,
  period: string,
  { timeoutMs, onProgress }: { timeoutMs: number; onProgress?: (p: CascadeProgress) => void },
): Promise<CascadeProgress> {
  const deadline = Date.now() + timeoutMs;
  let last: CascadeProgress | undefined;
  while (Date.now() < deadline) {
    try {
      last = await progress(stack, runId);
      onProgress?.(last);
      if (last.run.status === 'completed' || last.run.status === 'completed_with_failures') {
        // The reconciliation lists what reporting has seen: until it has projected every invoice
        // the run issued, empty lists say nothing (a slow reporting once let a CI run "settle"
        // before any charge or email had happened).
        const report = await reportFor<{ currencies: { invoices: number }[] }>(stack, `/v1/reports/month-close/${period}`);
        const projected = report.currencies.reduce((sum, c) => sum + c.invoices, 0);
        if (projected >= last.run.invoiced) {
          const reconciliation = await reportFor<Record<string, unknown>>(stack, `/v1/reports/reconciliation?period=${period}&limit=1000`);
          const open = Object.values(reconciliationLists(reconciliation)).some((list) => list.length > 0);
          if (!open && last.holds >= last.decliningAccounts) return last;
        }
      }
    } catch {
      // a service restarting (crash test) answers nothing for a moment
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`the cascade did not settle within ${timeoutMs / 1000}s; last progress: ${JSON.stringify(last)}`);
}
