// Reconciliation of the period: green when every check is empty, red with the offending rows.
import { getJson, query } from './api.js';
import { cell, clear, h, moneyCell, tableSection } from './dom.js';
import { formatCount, formatInstant, formatMoney } from './money.js';
import { ledgerLink } from './accounts.js';

const CHECKS = {
  invoicesWithoutChargeOutcome: 'Invoices without a charge outcome',
  chargesWithoutInvoice: 'Charges without an invoice (any period)',
  invoicesWithoutInvoiceEmail: 'Invoices without a sent invoice email',
  holdsWithNothingUnpaid: 'Active holds on accounts owing nothing (any period)',
  invoicesWhoseLinesDoNotAddUp: 'Invoices whose lines do not add up',
  totalsThatDoNotAddUp: 'Currencies whose totals do not add up',
};

/** The green/red state and the count of every check. */
export function reconciliationState(report) {
  const findings = Object.values(report.counts).reduce((sum, n) => sum + n, 0);
  return h(
    'div',
    { class: `recon ${report.clean ? 'recon-clean' : 'recon-dirty'}`, id: 'reconciliation-state', dataset: { state: report.clean ? 'clean' : 'dirty' } },
    h('p', { class: 'recon-verdict' }, report.clean ? '✔ Reconciled: every check is empty' : `✘ Not reconciled: ${formatCount(findings)} ${findings === 1 ? 'finding' : 'findings'}`),
    h(
      'ul',
      { class: 'recon-checks' },
      Object.entries(report.counts).map(([check, count]) =>
        h('li', { dataset: { check, count: String(count) } }, h('span', {}, CHECKS[check] ?? check), h('strong', {}, formatCount(count))),
      ),
    ),
  );
}

function findingRow(check, f) {
  const account = f.accountId ? ledgerLink(f.accountId) : '—';
  const amount =
    f.currency && (f.totalMinor ?? f.amountMinor ?? f.differenceMinor) !== undefined
      ? moneyCell('amountMinor', f.totalMinor ?? f.amountMinor ?? f.differenceMinor, f.currency)
      : cell('amountMinor', '—', 'num');
  const detail =
    check === 'chargesWithoutInvoice'
      ? `${f.outcome} attempt ${f.attempt} at ${formatInstant(f.occurredAt)}`
      : check === 'holdsWithNothingUnpaid'
        ? `hold ${f.holdId} ${f.reason ?? ''} placed ${formatInstant(f.placedAt)}`
        : check === 'invoicesWhoseLinesDoNotAddUp'
          ? `subtotal ${formatMoney(f.subtotalMinor, f.currency)}, lines ${formatMoney(f.linesMinor, f.currency)}`
          : check === 'totalsThatDoNotAddUp'
            ? [
                `invoiced ${formatMoney(f.invoicedMinor, f.currency)}`,
                f.carriedForwardMinor !== undefined ? `carried forward ${formatMoney(f.carriedForwardMinor, f.currency)}` : null,
                `collected ${formatMoney(f.collectedMinor, f.currency)}`,
                `outstanding ${formatMoney(f.outstandingMinor, f.currency)}`,
              ]
                .filter(Boolean)
                .join(', ')
            : `issued ${formatInstant(f.issuedAt)}`;
  return h(
    'tr',
    { dataset: { check } },
    h('th', { scope: 'row' }, CHECKS[check] ?? check),
    cell('invoiceNumber', f.invoiceNumber ?? '—'),
    h('td', {}, account),
    cell('currency', f.currency ?? '—'),
    amount,
    cell('detail', detail),
  );
}

export async function reconciliationPage(page) {
  const path = `/v1/reports/reconciliation${query({ period: page.period, limit: 1000 })}`;
  const report = await getJson(path, { signal: page.signal });
  if (!page.alive) return;
  const rows = Object.keys(report.counts).flatMap((check) => (report[check] ?? []).map((f) => findingRow(check, f)));
  clear(page.view);
  page.view.append(
    h('h2', { class: 'page-title' }, `Reconciliation ${page.period}`),
    h('section', { class: 'card wide', 'aria-label': 'Reconciliation state' }, reconciliationState(report)),
    tableSection({
      id: 'reconciliation-table',
      title: 'Offending rows',
      columns: ['Check', 'Invoice', 'Account', 'Currency', { label: 'Amount', num: true }, 'Detail'],
      rows,
      csv: { path, name: `reconciliation-${page.period}.csv` },
      empty: 'None: the books reconcile.',
    }),
  );
}
