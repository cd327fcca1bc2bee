/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The finance console in a real Chromium (Debian's package, driven by playwright-core): a month
 * close runs on a private stack while the console watches it, and every figure the console shows
 * is compared with what the finance API answers for the same question.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Browser, BrowserContext, Page, chromium } from 'playwright-core';
import { ChargeSucceededV1, TOPICS, createEvent } from '@billing/events';
import { topicName } from '@billing/messaging';
import { minorToMajorString, minorUnitExponent } from '@billing/money';
import { testKafka, waitFor } from '@billing/testing';
import { DEV_TOKENS, Stack } from '../scripts/stack/stack';
import { api as call } from '../scripts/scenario/client';
import { progress, requestMonthClose, seed, waitForCascade } from '../scripts/scenario/month-close-scenario';
import { PRIVATE_STACK_ENV, destroyStack, privateStack } from './stack-fixture';

const PERIOD = '2026-10';
const ACCOUNTS = 100;
const SCREENSHOTS = path.resolve(__dirname, '../.run/console');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Flags for this kind of machine: no sandbox (root in a container), no GPU, no calls home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface CurrencyFigures {
  currency: string;
  invoices: number;
  zeroTotalInvoices: number;
  accountsOnHold: number;
  [field: string]: number | string;
}

/** What the console should print for an amount: the currency's own format, with the project's exponent. */
function money(minor: number, currency: string): string {
  const exponent = minorUnitExponent(currency);
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(minorToMajorString(minor, currency) as unknown as number);
}
const count = (n: number) => new Intl.NumberFormat('en-US').format(n);

/** RFC 4180: quoted fields with doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted || (c !== ',' && c !== '\n' && c !== '\r')) {
      field += c;
    } else if (c === ',') {
      endField();
    } else if (c === '\n') {
      endField();
      rows.push(row);
      row = [];
    }
  }
  if (field || row.length) {
    endField();
    rows.push(row);
  }
  return rows;
}

describe('the finance console in Chromium, against the finance API during and after a month close', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  let runId: string;

  const api = async <T>(urlPath: string, token: string = DEV_TOKENS.finance): Promise<T> => {
    const response = await fetch(`${stack.url('reporting')}${urlPath}`, { headers: { Authorization: `Bearer ${token}` } });
    return (await response.json()) as T;
  };
  const apiCsv = async (urlPath: string) => {
    const response = await fetch(`${stack.url('reporting')}${urlPath}`, {
      headers: { Authorization: `Bearer ${DEV_TOKENS.finance}`, Accept: 'text/csv' },
    });
    expect(response.status).toBe(200);
    return parseCsv(await response.text());
  };
  /** Opens a route and waits for it to render (or to show an error, which fails the test with its message). */
  const go = async (hash: string, ready: string) => {
    await page.evaluate((h) => {
      (document.activeElement as HTMLElement | null)?.blur();
      location.hash = h;
    }, hash);
    await page.waitForSelector(`${ready}, #alert:not([hidden])`, { timeout: 30_000 });
    expect(await page.isVisible('#alert') ? await page.textContent('#alert') : 'no error').toBe('no error');
  };
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  /** Clicks a table's CSV button and compares the downloaded file with the API's CSV of the same report. */
  const checkCsv = async (buttonId: string, apiPath: string) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#${buttonId}`)]);
    const file = await download.path();
    const downloaded = parseCsv(readFileSync(file, 'utf8'));
    const served = await apiCsv(apiPath);
    expect(downloaded[0]).toEqual(served[0]);
    expect(downloaded.length).toBe(served.length);
    expect(downloaded.length).toBeGreaterThan(0);
    return downloaded;
  };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await privateStack('console', {
      // small pages, a pause between them and progress after every page: the close takes a few
      // seconds, so the console's 2 s polling sees it move
      env: { ...PRIVATE_STACK_ENV, MONTH_CLOSE_PAGE_SIZE: '10', MONTH_CLOSE_PAGE_DELAY_MS: '600', MONTH_CLOSE_PROGRESS_EVERY_PAGES: '1' },
    });
    await stack.up({ startKafka: false });
    const { accounts } = await seed(stack, ACCOUNTS, PERIOD, 11);
    // one account the close cannot invoice: usage of a product with no JPY price (price_missing)
    const invoicing = stack.url('invoicing');
    const unpriced = accounts.find((a) => a.currency === 'JPY')!;
    await call(invoicing, '/v1/products/console.support', {
      token: DEV_TOKENS.operator,
      method: 'PUT',
      body: { description: 'Support plan', unit: 'seat', prices: { USD: { unitPrice: '49' } } },
    });
    await call(invoicing, '/v1/usage', {
      token: DEV_TOKENS.operator,
      method: 'POST',
      body: {
        records: [{ usageId: 'console-unpriced', accountId: unpriced.accountId, sku: 'console.support', resourceId: 'r-1', quantity: '1', occurredAt: `${PERIOD}-15T12:00:00Z` }],
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    if (stack) await destroyStack(stack);
  });

  it('refuses a bad token with the API message (401), keeping the token out of the URL, and lets an operator in', async () => {
    await page.goto(`${stack.url('reporting')}/console`);
    await page.fill('#token', 'not-a-token');
    await page.click('#sign-in button[type=submit]');
    const refused = await api<{ statusCode: number; message: string }>('/v1/reports/month-closes?limit=1', 'not-a-token');
    expect(refused.statusCode).toBe(401);
    await page.waitForSelector('#sign-in-error:not([hidden])');
    expect(await page.textContent('#sign-in-error')).toContain(`401 Unauthorized: ${refused.message}`);
    expect(page.url()).not.toContain('not-a-token');
    expect(await page.evaluate(() => sessionStorage.getItem('console.token'))).toBeNull();

    // finance, operator and admin may read the reports: an operator signs in
    await page.fill('#token', DEV_TOKENS.operator);
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('nav.nav:not([hidden])');
    expect(page.url()).not.toContain(DEV_TOKENS.operator);
    await page.evaluate(() => sessionStorage.removeItem('console.token'));
    await page.goto(`${stack.url('reporting')}/console`);
    await page.waitForSelector('#token');
  });

  it('shows the run live while it goes: the invoiced counter moves, then the run settles', async () => {
    await page.fill('#token', DEV_TOKENS.finance);
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('nav.nav:not([hidden])');
    expect(page.url()).not.toContain(DEV_TOKENS.finance);
    await page.fill('#period', PERIOD);
    await page.dispatchEvent('#period', 'change');

    runId = await requestMonthClose(stack, PERIOD);
    await go(`#/runs/${runId}`, '[data-counter=invoiced]');
    const seen: number[] = [];
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const text = await page.textContent('[data-counter=invoiced]');
      const value = Number((text ?? '').replace(/[^0-9]/g, ''));
      if (text !== '—' && seen[seen.length - 1] !== value) seen.push(value);
      if (seen.length === 2) await shot('run-live');
      if ((await page.getAttribute('section[aria-label=Progress]', 'data-settled')) === 'true') break;
      await page.waitForTimeout(250);
    }
    expect(await page.getAttribute('section[aria-label=Progress]', 'data-settled')).toBe('true');
    const { items } = await api<{ items: Record<string, number | string | boolean>[] }>(`/v1/reports/month-closes?runId=${runId}`);
    expect(items[0]).toMatchObject({ status: 'completed_with_failures', accountsInScope: ACCOUNTS, invoiced: ACCOUNTS - 1, failed: 1, settled: true });
    // at least two different readings, growing, ending at every account invoiced
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen[0]).toBeLessThan(ACCOUNTS - 1);
    expect(seen[seen.length - 1]).toBe(ACCOUNTS - 1);

    // the counters that cannot move once the run settled equal the API's (dunning may still change
    // charged and on hold: those are compared on the runs page once the cascade is over)
    for (const field of ['invoiced', 'emailed', 'failed', 'accountsInScope']) {
      expect(`${field}: ${await page.textContent(`[data-counter=${field}]`)}`).toBe(`${field}: ${count(items[0][field] as number)}`);
    }
    // the failed account with its code and reason, as the API lists it
    const failures = await api<{ items: { accountId: string; code: string; reason: string }[] }>(`/v1/reports/month-closes/${runId}/failures`);
    expect(failures.items).toEqual([expect.objectContaining({ code: 'price_missing' })]);
    const shown = await page.$$eval('#failures-table tbody tr', (trs) =>
      trs.map((tr) => ({
        accountId: tr.querySelector('th')?.textContent,
        code: tr.querySelector('[data-field=code]')?.textContent,
        reason: tr.querySelector('[data-field=reason]')?.textContent,
      })),
    );
    expect(shown).toEqual(failures.items.map((f) => ({ accountId: f.accountId, code: f.code, reason: f.reason })));
    await checkCsv('failures-table-csv', `/v1/reports/month-closes/${runId}/failures?limit=1000`);
    await shot('run');
  });

  it('shows the period per currency, the charts and the reconciliation exactly as the API reports them', async () => {
    await waitForCascade(stack, runId, PERIOD, { timeoutMs: 120_000 });
    // the run's counters against what happened at the provider, the mail server and collections
    const truth = await progress(stack, runId);
    const { items } = await api<{ items: Record<string, number | string | boolean>[] }>(`/v1/reports/month-closes?runId=${runId}`);
    expect(items[0]).toMatchObject({
      invoices: ACCOUNTS - 1,
      charged: truth.charges.succeeded,
      declined: truth.decliningAccounts,
      emailed: ACCOUNTS - 1,
      onHold: truth.holds,
      awaitingCharge: 0,
      awaitingEmail: 0,
      settled: true,
    });
    expect(truth.holds).toBeGreaterThan(0);

    // a charge of an invoice nobody issued, produced into the payments topic: the books no longer
    // reconcile, and the console must say so and list the row
    const at = new Date().toISOString();
    const orphan = createEvent(
      ChargeSucceededV1,
      { eventId: randomUUID(), occurredAt: at, producer: 'payments', accountId: 'console-orphan', correlationId: runId, causationId: null },
      { invoiceId: randomUUID(), invoiceNumber: 'ORPHAN-1', attempt: 1, amountMinor: 1234, currency: 'KWD', providerPaymentIntentId: 'pi_orphan', providerChargeId: null, succeededAt: at },
    );
    const producer = testKafka('console-e2e').producer();
    await producer.connect();
    await producer.send({
      topic: topicName(stack.options.topicPrefix, TOPICS.payments),
      acks: -1,
      messages: [{ key: orphan.accountId, value: JSON.stringify(orphan) }],
    });
    await producer.disconnect();
    await waitFor(
      async () => (await api<{ counts: Record<string, number> }>(`/v1/reports/reconciliation?period=${PERIOD}&limit=1`)).counts.chargesWithoutInvoice === 1,
      { what: 'the orphan charge in the reconciliation report' },
    );
    await go('#/runs', `#runs-table tr[data-run-id="${runId}"]`);
    const runRow = await page.$$eval(`#runs-table tr[data-run-id="${runId}"] [data-field]`, (tds) =>
      Object.fromEntries(tds.map((td) => [(td as HTMLElement).dataset.field, td.textContent])),
    );
    for (const field of ['accountsInScope', 'invoiced', 'charged', 'declined', 'emailed', 'onHold', 'failed']) {
      expect(`${field} ${runRow[field]}`).toBe(`${field} ${count(items[0][field] as number)}`);
    }
    expect(runRow.status).toBe('completed with failures');
    await go('#/overview', '#period-table');
    await page.waitForFunction(() => document.querySelectorAll('canvas').length > 0);
    const report = await api<{ currencies: CurrencyFigures[] }>(`/v1/reports/month-close/${PERIOD}`);
    expect(report.currencies.map((c) => c.currency).sort()).toEqual(['EUR', 'HUF', 'JPY', 'KWD', 'USD']);
    const split = report.currencies[0].collectedCardMinor !== undefined;
    const moneyFields = [
      'invoicedMinor',
      ...(split ? ['collectedCardMinor', 'collectedOfflineMinor'] : ['collectedMinor']),
      ...(report.currencies[0].carriedForwardMinor !== undefined ? ['carriedForwardMinor'] : []),
      'failedMinor',
      'outstandingMinor',
    ];
    const rendered = await page.$$eval('#period-table tbody tr', (rows) =>
      rows.map((tr) => ({
        currency: (tr as HTMLElement).dataset.currency,
        cells: Object.fromEntries(
          [...tr.querySelectorAll<HTMLElement>('[data-field]')].map((td) => [td.dataset.field, { text: td.textContent, minor: td.dataset.minor }]),
        ),
      })),
    );
    expect(rendered.map((r) => r.currency)).toEqual(report.currencies.map((c) => c.currency));
    for (const [i, c] of report.currencies.entries()) {
      const cells = rendered[i].cells;
      // corrections are shown in the table (not charted) when the API serves them
      const tableFields = [...moneyFields, ...(c.creditedMinor !== undefined ? ['creditedMinor', 'refundedMinor', 'refundFailedMinor'] : [])];
      for (const field of tableFields) {
        expect(`${c.currency} ${field} ${cells[field]?.text}`).toBe(`${c.currency} ${field} ${money(c[field] as number, c.currency)}`);
        expect(cells[field]?.minor).toBe(String(c[field]));
      }
      expect(cells.invoices?.text).toBe(count(c.invoices));
      expect(cells.zeroTotalInvoices?.text).toBe(count(c.zeroTotalInvoices));
      expect(cells.accountsOnHold?.text).toBe(count(c.accountsOnHold));
    }

    // one bar chart per currency, its bars the same amounts
    const charts = await page.evaluate(() =>
      [...document.querySelectorAll('canvas')].map((canvas) => {
        const chart = (globalThis as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { labels: string[]; datasets: { label: string; minor: number[] }[] } } } }).Chart.getChart(canvas);
        return { id: canvas.id, width: canvas.width, labels: chart.data.labels, datasets: chart.data.datasets.map((d) => ({ label: d.label, minor: d.minor })) };
      }),
    );
    for (const c of report.currencies) {
      const chart = charts.find((x) => x.id === `period-chart-${c.currency}`);
      expect(chart?.width).toBeGreaterThan(0);
      expect(chart?.datasets).toEqual([{ label: c.currency, minor: moneyFields.map((f) => c[f]) }]);
      expect(chart?.labels).toHaveLength(moneyFields.length);
    }

    // reconciliation: green or red as the API says, each check's count
    const reconciliation = await api<{ clean: boolean; counts: Record<string, number> }>(`/v1/reports/reconciliation?period=${PERIOD}&limit=1`);
    expect(await page.getAttribute('#reconciliation-state', 'data-state')).toBe(reconciliation.clean ? 'clean' : 'dirty');
    const checks = await page.$$eval('#reconciliation-state li', (lis) => Object.fromEntries(lis.map((li) => [(li as HTMLElement).dataset.check, Number((li as HTMLElement).dataset.count)])));
    expect(checks).toEqual(reconciliation.counts);
    await shot('overview');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'overview-viewport.png') });

    const csv = await checkCsv('period-table-csv', `/v1/reports/month-close/${PERIOD}`);
    expect(csv.length).toBe(report.currencies.length + 1);

    expect(reconciliation.clean).toBe(false);
    await go('#/reconciliation', '#reconciliation-table');
    expect(await page.getAttribute('#reconciliation-state', 'data-state')).toBe('dirty');
    const full = await api<Record<string, { invoiceNumber: string; accountId: string; amountMinor: number; currency: string }[]>>(
      `/v1/reports/reconciliation?period=${PERIOD}&limit=1000`,
    );
    const offending = await page.$$eval('#reconciliation-table tbody tr', (trs) =>
      trs.map((tr) => ({
        check: (tr as HTMLElement).dataset.check,
        invoiceNumber: tr.querySelector('[data-field=invoiceNumber]')?.textContent,
        account: tr.querySelectorAll('td')[1]?.textContent,
        amount: tr.querySelector('[data-field=amountMinor]')?.textContent,
      })),
    );
    expect(offending).toEqual(
      full.chargesWithoutInvoice.map((f) => ({ check: 'chargesWithoutInvoice', invoiceNumber: f.invoiceNumber, account: f.accountId, amount: money(f.amountMinor, f.currency) })),
    );
    expect(offending[0]).toMatchObject({ invoiceNumber: 'ORPHAN-1', account: 'console-orphan', amount: money(1234, 'KWD') });
    await shot('reconciliation');
    await checkCsv('reconciliation-table-csv', `/v1/reports/reconciliation?period=${PERIOD}&limit=1000`);
  });

  it('lists the delinquent accounts as the API does, each linking to its ledger', async () => {
    await go('#/delinquent', '#delinquent-table');
    const list = await api<{ items: { accountId: string; currency: string; amountMinor: number; daysPastDue: number; onHold: boolean }[] }>(
      '/v1/reports/delinquent-accounts?limit=500',
    );
    expect(list.items.length).toBeGreaterThan(0);
    const rows = await page.$$eval('#delinquent-table tbody tr', (trs) =>
      trs.map((tr) => {
        const field = (name: string) => tr.querySelector<HTMLElement>(`[data-field=${name}]`);
        return {
          accountId: field('accountId')?.textContent,
          currency: field('currency')?.textContent,
          amount: field('amountMinor')?.textContent,
          minor: field('amountMinor')?.dataset.minor,
          days: field('daysPastDue')?.textContent,
          onHold: field('onHold')?.dataset.onHold,
        };
      }),
    );
    expect(rows).toEqual(
      list.items.map((a) => ({
        accountId: a.accountId,
        currency: a.currency,
        amount: money(a.amountMinor, a.currency),
        minor: String(a.amountMinor),
        days: count(a.daysPastDue),
        onHold: String(a.onHold),
      })),
    );
    expect(list.items.some((a) => a.onHold)).toBe(true);
    await shot('delinquent');
    await checkCsv('delinquent-table-csv', '/v1/reports/delinquent-accounts?limit=500');

    const account = list.items.find((a) => a.onHold) ?? list.items[0];
    await page.click(`#delinquent-table a[href="#/accounts/${encodeURIComponent(account.accountId)}/ledger"]`);
    await page.waitForSelector('#ledger-table');
    const ledger = await api<{ items: { type: string; amountMinor: number | null; currency: string | null }[] }>(
      `/v1/reports/accounts/${encodeURIComponent(account.accountId)}/ledger?limit=500`,
    );
    const entries = await page.$$eval('#ledger-table tbody tr', (trs) =>
      trs.map((tr) => ({ type: tr.querySelector('[data-field=type]')?.textContent, amount: tr.querySelector('[data-field=amountMinor]')?.textContent })),
    );
    expect(entries).toEqual(
      ledger.items.map((e) => ({ type: e.type, amount: e.amountMinor !== null && e.currency ? money(e.amountMinor, e.currency) : '—' })),
    );
    expect(entries.map((e) => e.type)).toContain('AccountHoldPlaced');
    await shot('ledger');
    await checkCsv('ledger-table-csv', `/v1/reports/accounts/${encodeURIComponent(account.accountId)}/ledger?limit=500`);
  });

  it('charts revenue by month and AR aging per currency, and their CSVs are the API CSVs', async () => {
    await go('#/revenue', '#revenue-table');
    const revenue = await api<{ rows: { period: string; currency: string; amountMinor: number }[] }>(
      `/v1/reports/revenue?from=2025-11&to=${PERIOD}&groupBy=period`,
    );
    const revenueCharts = await page.evaluate(() =>
      [...document.querySelectorAll('canvas')].map((canvas) => {
        const chart = (globalThis as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { labels: string[]; datasets: { label: string; minor: number[] }[] } } } }).Chart.getChart(canvas);
        return { id: canvas.id, labels: chart.data.labels, series: chart.data.datasets.map((d) => d.label), invoiced: chart.data.datasets[0].minor };
      }),
    );
    for (const row of revenue.rows) {
      const chart = revenueCharts.find((c) => c.id === `revenue-chart-${row.currency}`);
      expect(chart?.series).toEqual(['Invoiced', 'Collected', 'Outstanding']);
      expect(chart?.labels).toHaveLength(12);
      expect(chart?.invoiced[chart.labels.indexOf(row.period)]).toBe(row.amountMinor);
    }
    await checkCsv('revenue-table-csv', `/v1/reports/revenue?from=2025-11&to=${PERIOD}&groupBy=period`);

    await page.evaluate(() => sessionStorage.setItem('console.aging.asOf', '2026-12-31'));
    await go('#/aging', '#aging-table');
    const aging = await api<{ currencies: { currency: string; totalMinor: number; current: number; over90: number }[] }>('/v1/reports/ar-aging?asOf=2026-12-31');
    const agingChart = await page.evaluate(() => {
      const chart = (globalThis as unknown as { Chart: { getChart(id: string): { data: { labels: string[]; datasets: { label: string; minor: number[] }[] } } } }).Chart.getChart('aging-chart');
      return { labels: chart.data.labels, series: chart.data.datasets.map((d) => d.label), current: chart.data.datasets[0].minor };
    });
    expect(agingChart.labels).toEqual(aging.currencies.map((c) => c.currency));
    expect(agingChart.series).toHaveLength(5);
    expect(agingChart.current).toEqual(aging.currencies.map((c) => c.current));
    const totals = await page.$$eval('#aging-table tbody td[data-field=totalMinor]', (tds) => tds.map((td) => td.textContent));
    expect(totals).toEqual(aging.currencies.map((c) => money(c.totalMinor, c.currency)));
    await checkCsv('aging-table-csv', '/v1/reports/ar-aging?asOf=2026-12-31');
    await go('#/runs', '#runs-table');
    await checkCsv('runs-table-csv', '/v1/reports/month-closes?limit=100');
  });

  it('fits a phone-width screen and is reachable by keyboard', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await go('#/overview', '#period-table');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('overview-phone');

    await page.setViewportSize({ width: 1280, height: 800 });
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const reached: string[] = [];
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.textContent?.trim()}`));
    }
    expect(reached).toEqual(expect.arrayContaining(['A Month closes', 'A Delinquent', 'BUTTON Download CSV']));
  });

  it('logged no console error and no page error, and no token reached the reporting log', () => {
    // the refused sign-in is an answered request (401), which Chromium reports as a failed resource
    expect(consoleErrors.filter((m) => !/status of 40[13] \((Unauthorized|Forbidden)\)/.test(m))).toEqual([]);
    const log = readFileSync(path.join(stack.logDir, 'reporting.log'), 'utf8');
    for (const token of [DEV_TOKENS.finance, DEV_TOKENS.operator, 'not-a-token']) expect(log).not.toContain(token);
  });
});
