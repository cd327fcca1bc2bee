// The finance console: sign-in, hash routes, one page at a time. Every figure comes from the
// finance API of this reporting service, read with the signed-in bearer token.
import { ApiError, getJson, session } from './api.js';
import { clear, h } from './dom.js';
import { loadCurrencies } from './money.js';
import { agingPage, revenuePage } from './reports.js';
import { delinquentPage, ledgerPage } from './accounts.js';
import { overviewPage } from './overview.js';
import { reconciliationPage } from './reconciliation.js';
import { runPage, runsPage } from './runs.js';

const PERIOD_KEY = 'console.period';
const $ = (selector) => document.querySelector(selector);

const routes = [
  [/^#\/overview$/, overviewPage],
  [/^#\/runs$/, runsPage],
  [/^#\/runs\/([0-9a-f-]{36})$/, runPage],
  [/^#\/revenue$/, revenuePage],
  [/^#\/aging$/, agingPage],
  [/^#\/delinquent$/, delinquentPage],
  [/^#\/accounts\/([^/]+)\/ledger$/, ledgerPage],
  [/^#\/reconciliation$/, reconciliationPage],
];

let current = null;

function showAlert(message) {
  const alert = $('#alert');
  alert.textContent = message ?? '';
  alert.hidden = !message;
}

function signedIn(yes) {
  $('#sign-in').hidden = yes;
  $('.nav').hidden = !yes;
  $('.session').hidden = !yes;
  $('#view').hidden = !yes;
}

export function period() {
  return $('#period').value;
}

async function render() {
  current?.controller.abort();
  for (const instance of current?.charts ?? []) instance.destroy();
  showAlert('');
  if (!session.token) {
    current = null;
    signedIn(false);
    $('#token').focus();
    return;
  }
  signedIn(true);
  if (!routes.some(([pattern]) => pattern.test(location.hash))) {
    location.replace('#/overview');
    return;
  }
  const [pattern, pageFn] = routes.find(([p]) => p.test(location.hash));
  const params = pattern.exec(location.hash).slice(1).map(decodeURIComponent);
  const controller = new AbortController();
  const page = {
    controller,
    signal: controller.signal,
    charts: [],
    period: period(),
    view: $('#view'),
    get alive() {
      return current === page && !controller.signal.aborted;
    },
  };
  current = page;
  for (const link of document.querySelectorAll('.nav a')) {
    if (location.hash.startsWith(link.getAttribute('href'))) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  clear(page.view);
  page.view.append(h('p', { class: 'loading' }, 'Loading…'));
  try {
    await pageFn(page, ...params);
  } catch (error) {
    if (!page.alive) return;
    if (error instanceof ApiError && error.status === 401) {
      signOut(error.message);
      return;
    }
    clear(page.view);
    showAlert(error.message);
  }
}

function signOut(message) {
  session.token = null;
  render();
  const error = $('#sign-in-error');
  error.textContent = message ?? '';
  error.hidden = !message;
}

async function signIn(event) {
  event.preventDefault();
  const token = $('#token').value.trim();
  const error = $('#sign-in-error');
  error.hidden = true;
  try {
    // The runs list answers 401 for an unknown token and 403 for a role that may not read reports.
    const runs = await getJson('/v1/reports/month-closes?limit=1', { token });
    session.token = token;
    $('#token').value = '';
    if (!sessionStorage.getItem(PERIOD_KEY) && runs.items[0]) setPeriod(runs.items[0].period);
    if (!location.hash || location.hash === '#') location.hash = '#/overview';
    else render();
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
  }
}

function setPeriod(value) {
  $('#period').value = value;
  sessionStorage.setItem(PERIOD_KEY, value);
}

function lastMonth() {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

async function start() {
  await loadCurrencies();
  setPeriod(sessionStorage.getItem(PERIOD_KEY) ?? lastMonth());
  $('#sign-in').addEventListener('submit', signIn);
  $('#sign-out').addEventListener('click', () => signOut());
  $('#period').addEventListener('change', () => {
    if (/^\d{4}-\d{2}$/.test(period())) {
      setPeriod(period());
      render();
    }
  });
  window.addEventListener('hashchange', render);
  await render();
}

start().catch((error) => showAlert(error.message));
