// Revenue by month per currency (one line chart per currency) and AR aging buckets per
// currency (stacked bars, each currency's buckets as shares of its own receivables).
import { getJson, query } from './api.js';
import { cell, chart, clear, h, moneyCell, tableSection } from './dom.js';
import { formatCount, formatMoney, minorToChartNumber } from './money.js';

function shiftMonth(period, months) {
  const [year, month] = period.split('-').map(Number);
  const d = new Date(Date.UTC(year, month - 1 + months, 1));
  return d.toISOString().slice(0, 7);
}

function byCurrency(rows) {
  const groups = new Map();
  for (const row of rows) groups.set(row.currency, [...(groups.get(row.currency) ?? []), row]);
  return groups;
}

function controls(...fields) {
  return h('form', { class: 'controls', onsubmit: (e) => e.preventDefault() }, ...fields);
}

export async function revenuePage(page) {
  const to = sessionStorage.getItem('console.revenue.to') ?? page.period;
  const from = sessionStorage.getItem('console.revenue.from') ?? shiftMonth(to, -11);
  const path = `/v1/reports/revenue${query({ from, to, groupBy: 'period' })}`;
  const report = await getJson(path, { signal: page.signal });
  if (!page.alive) return;
  const months = [];
  for (let p = from; p <= to; p = shiftMonth(p, 1)) months.push(p);
  const change = (key) => (event) => {
    if (!event.target.value) return;
    sessionStorage.setItem(key, event.target.value);
    dispatchEvent(new HashChangeEvent('hashchange'));
  };
  clear(page.view);
  page.view.append(
    h('h2', { class: 'page-title' }, 'Revenue by month'),
    controls(
      h('label', {}, 'From ', h('input', { type: 'month', id: 'revenue-from', value: from, onchange: change('console.revenue.from') })),
      h('label', {}, 'To ', h('input', { type: 'month', id: 'revenue-to', value: to, onchange: change('console.revenue.to') })),
    ),
    h(
      'div',
      { class: 'grid charts' },
      [...byCurrency(report.rows)].map(([currency, rows]) => {
        const amount = (field) => months.map((m) => rows.find((r) => r.period === m)?.[field] ?? 0);
        const series = [
          ['amountMinor', 'Invoiced', '#3b6fb6'],
          ['collectedMinor', 'Collected', '#2f9e6b'],
          ['outstandingMinor', 'Outstanding', '#c0392b'],
        ];
        return h(
          'section',
          { class: 'card', 'aria-label': `${currency} revenue chart` },
          h('h2', {}, currency),
          chart(page, {
            id: `revenue-chart-${currency}`,
            label: `${currency} revenue by month`,
            type: 'line',
            currency,
            data: {
              labels: months,
              datasets: series.map(([field, label, color]) => ({
                label,
                data: amount(field).map((minor) => minorToChartNumber(minor, currency)),
                minor: amount(field),
                borderColor: color,
                backgroundColor: color,
              })),
            },
          }),
        );
      }),
    ),
    tableSection({
      id: 'revenue-table',
      title: `Revenue ${from} to ${to}`,
      columns: ['Period', 'Currency', { label: 'Invoices', num: true }, { label: 'Invoiced', num: true }, { label: 'Collected', num: true }, { label: 'Outstanding', num: true }],
      rows: report.rows.map((r) =>
        h(
          'tr',
          { dataset: { currency: r.currency, period: r.period } },
          h('th', { scope: 'row' }, r.period),
          cell('currency', r.currency),
          cell('invoices', formatCount(r.invoices), 'num'),
          moneyCell('amountMinor', r.amountMinor, r.currency),
          moneyCell('collectedMinor', r.collectedMinor, r.currency),
          moneyCell('outstandingMinor', r.outstandingMinor, r.currency),
        ),
      ),
      csv: { path, name: `revenue-${from}-${to}-period.csv` },
      empty: 'No invoices in these months.',
    }),
  );
}

const BUCKETS = [
  ['current', 'Current', '#2f9e6b'],
  ['days1To30', '1–30 days', '#d4ac0d'],
  ['days31To60', '31–60 days', '#e67e22'],
  ['days61To90', '61–90 days', '#c0392b'],
  ['over90', 'Over 90 days', '#7b241c'],
];

function todayUtc() {
  return new Date().toISOString().slice(0, 10);
}

export async function agingPage(page) {
  const asOf = sessionStorage.getItem('console.aging.asOf') ?? todayUtc();
  const path = `/v1/reports/ar-aging${query({ asOf })}`;
  const report = await getJson(path, { signal: page.signal });
  if (!page.alive) return;
  const currencies = report.currencies;
  const share = (c, bucket) => (c.totalMinor ? (100 * c[bucket]) / c.totalMinor : 0);
  clear(page.view);
  page.view.append(
    h('h2', { class: 'page-title' }, `AR aging as of ${asOf} (end of day, UTC)`),
    controls(
      h(
        'label',
        {},
        'As of ',
        h('input', {
          type: 'date',
          id: 'aging-as-of',
          value: asOf,
          onchange: (event) => {
            if (!event.target.value) return;
            sessionStorage.setItem('console.aging.asOf', event.target.value);
            dispatchEvent(new HashChangeEvent('hashchange'));
          },
        }),
      ),
    ),
    h(
      'section',
      { class: 'card wide', 'aria-label': 'Aging chart' },
      h('h2', {}, 'Buckets per currency (share of that currency’s receivables)'),
      chart(page, {
        id: 'aging-chart',
        label: 'AR aging buckets per currency, stacked',
        type: 'bar',
        data: {
          labels: currencies.map((c) => c.currency),
          datasets: BUCKETS.map(([bucket, label, color]) => ({
            label,
            data: currencies.map((c) => share(c, bucket)),
            minor: currencies.map((c) => c[bucket]),
            backgroundColor: color,
          })),
        },
        options: {
          scales: { x: { stacked: true }, y: { stacked: true, max: 100, ticks: { callback: (v) => `${v}%` } } },
          plugins: {
            tooltip: {
              callbacks: {
                label: (item) =>
                  `${item.dataset.label}: ${formatMoney(item.dataset.minor[item.dataIndex], currencies[item.dataIndex].currency)} (${item.formattedValue}%)`,
              },
            },
          },
        },
      }),
    ),
    tableSection({
      id: 'aging-table',
      title: `Receivables as of ${asOf}`,
      columns: ['Currency', ...BUCKETS.map(([, label]) => ({ label, num: true })), { label: 'Total', num: true }, { label: 'Invoices', num: true }],
      rows: currencies.map((c) =>
        h(
          'tr',
          { dataset: { currency: c.currency } },
          h('th', { scope: 'row' }, c.currency),
          BUCKETS.map(([bucket]) => moneyCell(bucket, c[bucket], c.currency)),
          moneyCell('totalMinor', c.totalMinor, c.currency),
          cell('invoices', formatCount(c.invoices), 'num'),
        ),
      ),
      csv: { path, name: `ar-aging-${asOf}.csv` },
      empty: 'Nothing is owed.',
    }),
  );
}
