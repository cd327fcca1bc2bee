import { RemainingSummary } from './month-close-plan';

/**
 * The state machine of a month-close run. A run is `running` while passes over the eligible
 * accounts invoice page after page; at the end of a pass it waits for zones whose month has not
 * ended yet (`waiting`), or ends: `completed` when every in-scope account has its invoice,
 * `completed_with_failures` when some could not be invoiced (listed, with their reasons). An
 * operator's retry of a failed account reopens an ended or waiting run (`running` again), and it
 * ends anew once the account is invoiced or fails again.
 */
export type RunStatus = 'running' | 'waiting' | 'completed' | 'completed_with_failures';

export type TerminalStatus = Extract<RunStatus, 'completed' | 'completed_with_failures'>;

export const isTerminal = (status: RunStatus): status is TerminalStatus =>
  status === 'completed' || status === 'completed_with_failures';

export interface MonthCloseRun {
  runId: string;
  period: string;
  status: RunStatus;
  requestEventId: string;
  requestedBy: string;
  startedAt: string;
  completedAt: string | null;
  /** Last account of the last page of the current pass; null at the start of a pass. */
  cursor: string | null;
  invoiced: number;
  zeroTotal: number;
  /** Accounts failed in this run and not retried since. */
  failed: number;
  remaining: number;
  waiting: number;
  waitingUntil: string | null;
  pagesSinceProgress: number;
}

export interface PageCounts {
  /** The page's last account: the next page starts after it. */
  readonly lastAccountId: string;
  readonly invoiced: number;
  readonly zeroTotal: number;
  readonly failed: number;
}

/** Accounts the run is about: invoiced, failed, and still to invoice. */
export const accountsInScope = (run: Pick<MonthCloseRun, 'invoiced' | 'failed' | 'remaining'>): number =>
  run.invoiced + run.failed + run.remaining;

/**
 * Which counts a progress report after a page carries. `counted`: the first page of a pass, whose
 * report counts the remaining accounts afresh (per zone, in the page's transaction). `tallied`:
 * every `progressEveryPages` pages after it, the run's last count less the accounts the pass has
 * invoiced or failed since, with no query. Counting at every report read every account each time:
 * 21 counts of 355 ms in a 100,000-account close, quadratic in the accounts. A pass's end still
 * counts (`endPass`), so the run ends on exact figures; accounts added during a pass show there.
 */
export type ProgressReport = 'none' | 'counted' | 'tallied';

/** A page was invoiced: advance the cursor, add its counts, take its accounts off `remaining`, and say whether to report progress. */
export function afterPage(run: MonthCloseRun, page: PageCounts, progressEveryPages: number): { run: MonthCloseRun; report: ProgressReport } {
  const pages = run.pagesSinceProgress + 1;
  const report: ProgressReport = run.cursor === null ? 'counted' : pages >= progressEveryPages ? 'tallied' : 'none';
  const next: MonthCloseRun = {
    ...run,
    status: 'running',
    cursor: page.lastAccountId,
    invoiced: run.invoiced + page.invoiced,
    zeroTotal: run.zeroTotal + page.zeroTotal,
    failed: run.failed + page.failed,
    remaining: Math.max(0, run.remaining - page.invoiced - page.failed),
    pagesSinceProgress: report === 'none' ? pages : 0,
  };
  return { run: next, report };
}

/** The remaining counts of a progress report (and the page counter reset). */
export function withProgress(run: MonthCloseRun, summary: RemainingSummary): MonthCloseRun {
  return { ...run, remaining: summary.remaining, waiting: summary.waiting, waitingUntil: summary.waitingUntil, pagesSinceProgress: 0 };
}

export type PassEnd =
  /** Accounts appeared behind the cursor during the pass: one more pass from the start. */
  | { readonly kind: 'restart'; readonly run: MonthCloseRun }
  /** Nothing eligible is left but zones wait for their month end (plus grace). */
  | { readonly kind: 'waiting'; readonly run: MonthCloseRun }
  /** Nothing is left: the run ended, with or without failures. Emit MonthCloseCompleted. */
  | { readonly kind: 'ended'; readonly run: MonthCloseRun & { status: TerminalStatus; completedAt: string } };

/**
 * The end of a pass (the next page came back empty). `openFailures` is the number of accounts
 * failed in the run and not retried, counted in the same transaction: the source of truth for
 * the run's `failed` counter once it ends.
 */
export function endPass(run: MonthCloseRun, summary: RemainingSummary, openFailures: number, now: string): PassEnd {
  if (summary.eligibleRemaining > 0) return { kind: 'restart', run: { ...run, cursor: null, status: 'running' } };
  const reported = { ...withProgress(run, summary), cursor: null, failed: openFailures };
  if (summary.remaining > 0) return { kind: 'waiting', run: { ...reported, status: 'waiting' } };
  const status: TerminalStatus = openFailures > 0 ? 'completed_with_failures' : 'completed';
  return { kind: 'ended', run: { ...reported, status, completedAt: now } };
}

/**
 * An operator retries one failed account: it is back in scope, so the run runs again (from any
 * state) until the account is invoiced or fails again; the run is no longer completed meanwhile.
 */
export function reopenForRetry(run: MonthCloseRun): MonthCloseRun {
  return { ...run, status: 'running', completedAt: null, failed: Math.max(0, run.failed - 1) };
}
