// Delinquent accounts (hold state, days overdue, amount) and one account's ledger.
import { getJson, query } from './api.js';
import { cell, clear, h, moneyCell, tableSection } from './dom.js';
import { formatCount, formatInstant } from './money.js';

const PAGE = 500;

export function ledgerLink(accountId) {
  return h('a', { href: `#/accounts/${encodeURIComponent(accountId)}/ledger` }, accountId);
}

/** A paginated report shows its first page; this button appends the next ones (following nextCursor). */
function loadMore(page, path, firstCursor, tbody, row) {
  let cursor = firstCursor;
  const button = h('button', { type: 'button', id: 'load-more', hidden: !cursor }, 'Load more');
  button.addEventListener('click', async () => {
    const next = await getJson(`${path}&cursor=${encodeURIComponent(cursor)}`, { signal: page.signal });
    page.view.querySelector(tbody).append(...next.items.map(row));
    cursor = next.nextCursor;
    button.hidden = !cursor;
  });
  return button;
}

export async function delinquentPage(page) {
  const path = `/v1/reports/delinquent-accounts${query({ limit: PAGE })}`;
  const first = await getJson(path, { signal: page.signal });
  if (!page.alive) return;
  const row = (a) =>
    h(
      'tr',
      { dataset: { accountId: a.accountId, currency: a.currency } },
      h('th', { scope: 'row', dataset: { field: 'accountId' } }, ledgerLink(a.accountId)),
      cell('currency', a.currency),
      moneyCell('amountMinor', a.amountMinor, a.currency),
      cell('unpaidInvoices', formatCount(a.unpaidInvoices), 'num'),
      cell('daysPastDue', formatCount(a.daysPastDue), 'num'),
      cell('oldestDueAt', formatInstant(a.oldestDueAt)),
      cell('declinedInvoices', formatCount(a.declinedInvoices), 'num'),
      h(
        'td',
        { dataset: { field: 'onHold', onHold: String(a.onHold) } },
        a.onHold ? h('span', { class: 'badge hold' }, 'On hold') : h('span', { class: 'badge' }, 'No hold'),
        a.onHold ? ` since ${formatInstant(a.holdPlacedAt)}${a.holdReason ? ` (${a.holdReason})` : ''}` : '',
      ),
    );
  const more = loadMore(page, path, first.nextCursor, '#delinquent-table tbody', row);
  clear(page.view);
  page.view.append(
    h('h2', { class: 'page-title' }, 'Delinquent accounts'),
    h('p', { class: 'note' }, `Accounts owing on an invoice past due or declined, as of ${formatInstant(first.asOf)}; one row per account and currency.`),
    tableSection({
      id: 'delinquent-table',
      title: 'Delinquent accounts',
      columns: ['Account', 'Currency', { label: 'Amount', num: true }, { label: 'Unpaid invoices', num: true }, { label: 'Days overdue', num: true }, 'Oldest due', { label: 'Declined', num: true }, 'Hold'],
      rows: first.items.map(row),
      csv: { path, name: 'delinquent-accounts.csv' },
      empty: 'No account is delinquent.',
    }),
    more,
  );
}

function describe(entry) {
  const d = entry.detail ?? {};
  const parts = [];
  for (const key of ['code', 'declineCode', 'reason', 'template', 'status', 'attempt', 'method', 'reference', 'message']) {
    if (d[key] !== undefined && d[key] !== null && typeof d[key] !== 'object') parts.push(`${key}: ${d[key]}`);
  }
  return parts.join(', ');
}

export async function ledgerPage(page, accountId) {
  const path = `/v1/reports/accounts/${encodeURIComponent(accountId)}/ledger${query({ limit: PAGE })}`;
  const first = await getJson(path, { signal: page.signal });
  if (!page.alive) return;
  const row = (e) =>
    h(
      'tr',
      { dataset: { position: String(e.position) } },
      h('th', { scope: 'row', class: 'num' }, String(e.position)),
      cell('occurredAt', formatInstant(e.occurredAt)),
      cell('type', e.type),
      cell('invoiceNumber', e.invoiceNumber ?? '—'),
      e.amountMinor !== null && e.currency ? moneyCell('amountMinor', e.amountMinor, e.currency) : cell('amountMinor', '—', 'num'),
      cell('detail', describe(e)),
    );
  const more = loadMore(page, path, first.nextCursor, '#ledger-table tbody', row);
  clear(page.view);
  page.view.append(
    h('h2', { class: 'page-title' }, `Ledger of account ${accountId}`),
    h('p', {}, h('a', { href: '#/delinquent' }, '← Delinquent accounts')),
    tableSection({
      id: 'ledger-table',
      title: 'Invoices, charges, retries, holds and emails, in order',
      columns: [{ label: '#', num: true }, 'When', 'Event', 'Invoice', { label: 'Amount', num: true }, 'Detail'],
      rows: first.items.map(row),
      csv: { path, name: `ledger-${accountId}.csv` },
      empty: 'No entries for this account.',
    }),
    more,
  );
}
