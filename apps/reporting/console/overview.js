// A period, per currency: invoiced, collected (card and offline when the API splits it),
// carried forward, failed, outstanding, zero-total, and the corrections of the period's invoices
// (credited, refunded, refunds that failed) — a table in each currency's own formatting and one
// bar chart per currency. Never summed across currencies.
import { getJson } from './api.js';
import { cell, chart, clear, h, moneyCell, tableSection } from './dom.js';
import { formatCount, minorToChartNumber } from './money.js';
import { reconciliationState } from './reconciliation.js';
import { runSummary } from './runs.js';

/** The money columns; the split ones only when the API serves them. */
export function periodColumns(currencies) {
  const split = currencies.some((c) => c.collectedCardMinor !== undefined);
  const carried = currencies.some((c) => c.carriedForwardMinor !== undefined);
  return [
    { field: 'invoicedMinor', label: 'Invoiced', color: '#3b6fb6' },
    ...(split
      ? [
          { field: 'collectedCardMinor', label: 'Collected (card)', color: '#2f9e6b' },
          { field: 'collectedOfflineMinor', label: 'Collected (offline)', color: '#7cc49f' },
        ]
      : [{ field: 'collectedMinor', label: 'Collected', color: '#2f9e6b' }]),
    ...(carried ? [{ field: 'carriedForwardMinor', label: 'Carried forward', color: '#8e44ad' }] : []),
    { field: 'failedMinor', label: 'Failed', color: '#c0392b' },
    { field: 'outstandingMinor', label: 'Outstanding', color: '#b08a2e' },
  ];
}

/** Corrections of the period's invoices, when the API serves them: in the table, not in the chart. */
export function correctionColumns(currencies) {
  if (!currencies.some((c) => c.creditedMinor !== undefined)) return [];
  return [
    { field: 'creditedMinor', label: 'Credited' },
    { field: 'refundedMinor', label: 'Refunded' },
    { field: 'refundFailedMinor', label: 'Refund failed' },
  ];
}

export async function overviewPage(page) {
  const period = page.period;
  const [report, reconciliation] = await Promise.all([
    getJson(`/v1/reports/month-close/${period}`, { signal: page.signal }),
    getJson(`/v1/reports/reconciliation?period=${period}&limit=1`, { signal: page.signal }),
  ]);
  if (!page.alive) return;
  const money = periodColumns(report.currencies);
  const corrections = correctionColumns(report.currencies);
  const rows = report.currencies.map((c) =>
    h(
      'tr',
      { dataset: { currency: c.currency } },
      h('th', { scope: 'row', dataset: { field: 'currency' } }, c.currency),
      cell('invoices', formatCount(c.invoices), 'num'),
      money.map((m) => moneyCell(m.field, c[m.field] ?? 0, c.currency)),
      corrections.map((m) => moneyCell(m.field, c[m.field] ?? 0, c.currency)),
      cell('zeroTotalInvoices', formatCount(c.zeroTotalInvoices), 'num'),
      cell('accountsOnHold', formatCount(c.accountsOnHold), 'num'),
    ),
  );
  clear(page.view);
  const latest = report.runs.at(-1);
  page.view.append(
    h('h2', { class: 'page-title' }, `Period ${period}`),
    h(
      'div',
      { class: 'grid' },
      h('section', { class: 'card', 'aria-label': 'Reconciliation' }, h('h2', {}, 'Reconciliation'), reconciliationState(reconciliation)),
      h(
        'section',
        { class: 'card', 'aria-label': 'Month close' },
        h('h2', {}, 'Month close'),
        latest ? runSummary(latest, report.failedAccounts) : h('p', {}, `No month close for ${period} yet.`),
      ),
    ),
    tableSection({
      id: 'period-table',
      title: `Per currency, ${period}`,
      columns: [
        'Currency',
        { label: 'Invoices', num: true },
        ...money.map((m) => ({ label: m.label, num: true })),
        ...corrections.map((m) => ({ label: m.label, num: true })),
        { label: 'Zero-total', num: true },
        { label: 'On hold', num: true },
      ],
      rows,
      csv: { path: `/v1/reports/month-close/${period}`, name: `month-close-${period}.csv` },
      empty: `No invoices for ${period}.`,
    }),
    h(
      'div',
      { class: 'grid charts' },
      report.currencies.map((c) =>
        h(
          'section',
          { class: 'card', 'aria-label': `${c.currency} chart` },
          h('h2', {}, c.currency),
          chart(page, {
            id: `period-chart-${c.currency}`,
            label: `${c.currency}: ${money.map((m) => m.label).join(', ')}`,
            type: 'bar',
            currency: c.currency,
            data: {
              labels: money.map((m) => m.label),
              datasets: [
                {
                  label: c.currency,
                  data: money.map((m) => minorToChartNumber(c[m.field] ?? 0, c.currency)),
                  minor: money.map((m) => c[m.field] ?? 0),
                  backgroundColor: money.map((m) => m.color),
                },
              ],
            },
            options: { plugins: { legend: { display: false } } },
          }),
        ),
      ),
    ),
  );
}
