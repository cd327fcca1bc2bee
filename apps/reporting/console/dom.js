// Small DOM helpers: elements are built with textContent only (account names, reasons and
// references are data, never markup).
import { downloadCsv } from './api.js';
import { exponentOf, formatMoney } from './money.js';

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = value;
    else if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** A money cell: the formatted amount, with the exact minor units and field for checks. */
export function moneyCell(field, minor, currency) {
  return h('td', { class: 'num', dataset: { field, minor: String(minor), currency } }, formatMoney(minor, currency));
}

export function cell(field, text, className) {
  return h('td', { class: className, dataset: { field } }, text);
}

/**
 * A table with its caption and a button that downloads the API's CSV of the same report.
 * `rows` are <tr> elements already built.
 */
export function tableSection({ id, title, columns, rows, csv, empty = 'Nothing to show.', note }) {
  const table = h(
    'table',
    { id, class: 'data' },
    h('caption', {}, title),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : undefined }, c.label ?? c)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, empty))),
  );
  return h(
    'section',
    { class: 'card wide', 'aria-label': title },
    h('div', { class: 'card-head' }, h('h2', {}, title), csv ? csvButton(csv.path, csv.name, `${id}-csv`) : null),
    note ? h('p', { class: 'note' }, note) : null,
    h('div', { class: 'table-wrap' }, table),
  );
}

export function csvButton(path, name, id) {
  const status = h('span', { class: 'csv-status', 'aria-live': 'polite' });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'csv',
      id,
      onclick: async () => {
        status.textContent = '';
        try {
          await downloadCsv(path, name);
        } catch (error) {
          status.textContent = error.message;
        }
      },
    },
    'Download CSV',
  );
  return h('span', { class: 'csv-wrap' }, button, status);
}

/** A chart from Chart.js (loaded as its UMD build); the page's charts are destroyed on navigation. */
export function chart(page, { id, label, type, data, options = {}, currency }) {
  const canvas = h('canvas', { id, role: 'img', 'aria-label': label });
  const box = h('div', { class: 'chart' }, canvas);
  const moneyTicks = currency
    ? {
        ticks: { callback: (value) => formatMoney(Math.round(Number(value) * 10 ** exponentOf(currency)), currency) },
      }
    : {};
  const { plugins = {}, scales, ...rest } = options;
  const instance = new globalThis.Chart(canvas, {
    type,
    data,
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      ...rest,
      plugins: {
        legend: { position: 'bottom' },
        tooltip: currency ? { callbacks: { label: (item) => `${item.dataset.label}: ${tooltipMoney(item, currency)}` } } : {},
        ...plugins,
      },
      scales: scales ?? { y: { beginAtZero: true, ...moneyTicks } },
    },
  });
  page.charts.push(instance);
  return box;
}

/** Tooltips show the exact amount: datasets keep the minor units next to the chart numbers. */
function tooltipMoney(item, currency) {
  const minor = item.dataset.minor?.[item.dataIndex];
  return minor === undefined ? String(item.formattedValue) : formatMoney(minor, currency);
}

export function clear(element) {
  while (element.firstChild) element.firstChild.remove();
}
