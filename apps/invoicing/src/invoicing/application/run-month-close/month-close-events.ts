import { MonthCloseAccountFailedV1, MonthCloseCompletedV1, MonthCloseProgressedV1, createEvent, monthCloseKey } from '@billing/events';
import { eventMeta } from '@billing/messaging';
import { AccountFailure } from '../../domain/account-failure';
import { MonthCloseRun, TerminalStatus, accountsInScope } from '../../domain/month-close-run';

export const PRODUCER = 'invoicing';

/** Envelope metadata of an event of the run: correlated with the run, caused by its request. */
export function runMeta(run: MonthCloseRun, now: string, accountId = monthCloseKey(run.period)) {
  return eventMeta(PRODUCER, now, { accountId, correlationId: run.runId, causationId: run.requestEventId });
}

export function progressEvent(run: MonthCloseRun, now: string) {
  return createEvent(MonthCloseProgressedV1, runMeta(run, now), {
    runId: run.runId,
    period: run.period,
    accountsInScope: accountsInScope(run),
    invoiced: run.invoiced,
    zeroTotal: run.zeroTotal,
    remaining: run.remaining,
    waiting: run.waiting,
    waitingUntil: run.waitingUntil,
    at: now,
  });
}

export function completedEvent(run: MonthCloseRun & { status: TerminalStatus; completedAt: string }) {
  return createEvent(MonthCloseCompletedV1, runMeta(run, run.completedAt), {
    runId: run.runId,
    period: run.period,
    accountsInScope: accountsInScope(run),
    invoiced: run.invoiced,
    zeroTotal: run.zeroTotal,
    startedAt: run.startedAt,
    completedAt: run.completedAt,
    failed: run.failed,
    status: run.status,
  });
}

/** Keyed by the account, on the invoices topic: ordered with the account's InvoiceGenerated. */
export function accountFailedEvent(run: MonthCloseRun, failure: AccountFailure, now: string) {
  return createEvent(MonthCloseAccountFailedV1, runMeta(run, now, failure.accountId), {
    runId: run.runId,
    period: run.period,
    accountId: failure.accountId,
    code: failure.code,
    reason: failure.reason,
    failedAt: now,
  });
}
