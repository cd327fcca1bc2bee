// Month closes: every run with its state, and one run live — its counters are read again
// every 2 s until the run has ended and each of its invoices has a charge outcome and an
// invoice email; its failed accounts with their reasons.
import { getJson, query } from './api.js';
import { cell, clear, h, tableSection } from './dom.js';
import { formatCount, formatInstant } from './money.js';

const POLL_MS = 2000;

const COUNTERS = [
  ['invoiced', 'Invoiced'],
  ['charged', 'Charged'],
  ['declined', 'Declined'],
  ['emailed', 'Emailed'],
  ['onHold', 'On hold'],
  ['failed', 'Failed accounts'],
];

function statusBadge(run) {
  const live = run.settled === false && !run.completedAt;
  return h('span', { class: `badge status-${run.status}`, dataset: { field: 'status' } }, run.status.replace(/_/g, ' '), live ? ' …' : '');
}

/** A run of the month-close report, in short, with a link to its live page. */
export function runSummary(run, failedAccounts) {
  return h(
    'div',
    { class: 'run-summary' },
    h('p', {}, statusBadge(run), ' ', h('a', { href: `#/runs/${run.runId}` }, 'Open the run')),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Started'),
      h('dd', {}, formatInstant(run.startedAt)),
      h('dt', {}, 'Completed'),
      h('dd', {}, formatInstant(run.completedAt)),
      h('dt', {}, 'Invoiced'),
      h('dd', {}, `${formatCount(run.invoiced)} of ${formatCount(run.accountsInScope)}`),
      h('dt', {}, 'Accounts not invoiced'),
      h('dd', {}, formatCount(failedAccounts)),
    ),
  );
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

export async function runsPage(page) {
  const path = `/v1/reports/month-closes${query({ limit: 100 })}`;
  for (;;) {
    const list = await getJson(path, { signal: page.signal });
    if (!page.alive) return;
    const focused = document.activeElement?.id;
    clear(page.view);
    page.view.append(
      h('h2', { class: 'page-title' }, 'Month closes'),
      tableSection({
        id: 'runs-table',
        title: 'Runs, newest first',
        columns: [
          'Period',
          'Status',
          'Started',
          'Completed',
          { label: 'In scope', num: true },
          ...COUNTERS.map(([, label]) => ({ label, num: true })),
        ],
        rows: list.items.map((run) =>
          h(
            'tr',
            { dataset: { runId: run.runId } },
            h('th', { scope: 'row' }, h('a', { href: `#/runs/${run.runId}` }, run.period)),
            h('td', {}, statusBadge(run)),
            cell('startedAt', formatInstant(run.startedAt)),
            cell('completedAt', formatInstant(run.completedAt)),
            cell('accountsInScope', formatCount(run.accountsInScope), 'num'),
            COUNTERS.map(([field]) => cell(field, formatCount(run[field]), 'num')),
          ),
        ),
        csv: { path, name: 'month-closes.csv' },
        empty: 'No month close has run yet.',
      }),
    );
    if (focused) document.getElementById(focused)?.focus();
    if (list.items.every((run) => run.settled)) return;
    await sleep(POLL_MS, page.signal);
    if (!page.alive) return;
  }
}

export async function runPage(page, runId) {
  let first = true;
  for (;;) {
    const runs = await getJson(`/v1/reports/month-closes${query({ runId })}`, { signal: page.signal });
    const run = runs.items[0];
    if (!run) {
      // a run just requested reaches the finance projection a moment later
      if (!page.alive) return;
      clear(page.view);
      page.view.append(h('p', { class: 'loading' }, `Waiting for run ${runId} to reach the finance reports…`));
      await sleep(POLL_MS, page.signal);
      if (!page.alive) return;
      continue;
    }
    const failuresPath = `/v1/reports/month-closes/${runId}/failures${query({ limit: 1000 })}`;
    const failures = await getJson(failuresPath, { signal: page.signal });
    if (!page.alive) return;
    const focused = document.activeElement?.id;
    clear(page.view);
    page.view.append(
      h('h2', { class: 'page-title' }, `Month close ${run.period}`, ' ', statusBadge(run)),
      h('p', { class: 'note' }, `Run ${run.runId}, requested ${formatInstant(run.requestedAt)} by ${run.requestedBy ?? 'the schedule'}; started ${formatInstant(run.startedAt)}, completed ${formatInstant(run.completedAt)}.`),
      h(
        'section',
        { class: 'card wide', 'aria-label': 'Progress', dataset: { settled: String(run.settled) } },
        h('h2', {}, run.settled ? 'Settled' : 'In progress (updates every 2 s)'),
        h('progress', { max: run.accountsInScope ?? 1, value: run.invoiced ?? 0, 'aria-label': 'Invoiced of accounts in scope' }),
        h(
          'ul',
          { class: 'counters' },
          COUNTERS.map(([field, label]) =>
            h('li', {}, h('span', { class: 'counter', dataset: { counter: field } }, formatCount(run[field])), h('span', { class: 'counter-label' }, label)),
          ),
          h('li', {}, h('span', { class: 'counter', dataset: { counter: 'accountsInScope' } }, formatCount(run.accountsInScope)), h('span', { class: 'counter-label' }, 'In scope')),
        ),
        h('p', { class: 'note' }, `Awaiting a charge outcome: ${formatCount(run.awaitingCharge)}; awaiting the invoice email: ${formatCount(run.awaitingEmail)}.`),
      ),
      tableSection({
        id: 'failures-table',
        title: `Accounts the run could not invoice (${formatCount(failures.failedAccounts)})`,
        columns: ['Account', 'Code', 'Reason', 'Failed at'],
        rows: failures.items.map((f) =>
          h(
            'tr',
            { dataset: { accountId: f.accountId } },
            h('th', { scope: 'row' }, h('a', { href: `#/accounts/${encodeURIComponent(f.accountId)}/ledger` }, f.accountId)),
            cell('code', f.code),
            cell('reason', f.reason),
            cell('failedAt', formatInstant(f.failedAt)),
          ),
        ),
        csv: { path: failuresPath, name: `month-close-failures-${runId}.csv` },
        empty: 'Every account in scope was invoiced.',
      }),
    );
    if (focused) document.getElementById(focused)?.focus();
    else if (first) page.view.querySelector('h2')?.setAttribute('tabindex', '-1');
    first = false;
    if (run.settled) return;
    await sleep(POLL_MS, page.signal);
    if (!page.alive) return;
  }
}
