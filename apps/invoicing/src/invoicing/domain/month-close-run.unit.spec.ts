import { summarizeRemaining } from './month-close-plan';
import { MonthCloseRun, accountsInScope, afterPage, endPass, isTerminal, reopenForRetry, withProgress } from './month-close-run';

const NOW = '2026-12-03T00:00:00.000Z';

const run = (overrides: Partial<MonthCloseRun> = {}): MonthCloseRun => ({
  runId: '3a1c2b7e-2d6f-4c1e-8b7a-0e9f6d5c4b3a',
  period: '2026-11',
  status: 'running',
  requestEventId: '0b7f5f9e-4a0c-4a43-9c55-5a2f3c0f2a11',
  requestedBy: 'api',
  startedAt: '2026-12-01T00:00:00.000Z',
  completedAt: null,
  cursor: null,
  invoiced: 0,
  zeroTotal: 0,
  failed: 0,
  remaining: 0,
  waiting: 0,
  waitingUntil: null,
  pagesSinceProgress: 0,
  ...overrides,
});

/** Remaining accounts per zone as the repository counts them (Tokyo has ended by NOW, Kiritimati's next month has not). */
const remaining = (tokyo: number, later = 0) =>
  summarizeRemaining(
    later ? '2026-12' : '2026-11',
    [{ timeZone: 'Asia/Tokyo', count: tokyo }, ...(later ? [{ timeZone: 'America/Los_Angeles', count: later }] : [])],
    60,
    later ? '2027-01-01T00:00:00.000Z' : NOW,
  );

describe('month-close run state machine', () => {
  it('given a running run, when a page is invoiced with a failure, then the cursor moves past the page and its accounts leave the remaining count', () => {
    const { run: next, report } = afterPage(
      run({ cursor: 'acc-0', invoiced: 10, failed: 1, remaining: 30, pagesSinceProgress: 1 }),
      { lastAccountId: 'acc-9', invoiced: 7, zeroTotal: 2, failed: 1 },
      3,
    );
    expect(next).toMatchObject({ status: 'running', cursor: 'acc-9', invoiced: 17, zeroTotal: 2, failed: 2, remaining: 22, pagesSinceProgress: 2 });
    expect(report).toBe('none');
    const third = afterPage(next, { lastAccountId: 'acc-19', invoiced: 1, zeroTotal: 0, failed: 0 }, 3);
    expect(third).toMatchObject({ report: 'tallied', run: { remaining: 21, invoiced: 18, pagesSinceProgress: 0 } });
  });

  it('given a pass starting, when its first page is invoiced, then the progress report counts the remaining accounts afresh', () => {
    const { run: next, report } = afterPage(run({ remaining: 5, pagesSinceProgress: 4 }), { lastAccountId: 'acc-9', invoiced: 3, zeroTotal: 0, failed: 0 }, 10);
    expect(report).toBe('counted');
    expect(withProgress(next, remaining(40))).toMatchObject({ cursor: 'acc-9', remaining: 40, pagesSinceProgress: 0 });
  });

  it('given a tally lower than the accounts a page took (accounts added since the count), then remaining stops at zero until the pass end counts', () => {
    expect(afterPage(run({ cursor: 'acc-0', remaining: 2 }), { lastAccountId: 'acc-9', invoiced: 5, zeroTotal: 0, failed: 0 }, 10).run.remaining).toBe(0);
  });

  it('given accounts created behind the cursor, when the pass ends, then another pass starts from the beginning', () => {
    const end = endPass(run({ cursor: 'acc-9', invoiced: 5 }), remaining(2), 0, NOW);
    expect(end).toMatchObject({ kind: 'restart', run: { status: 'running', cursor: null, invoiced: 5, completedAt: null } });
  });

  it('given nothing left and no failures, when the pass ends, then the run is completed at the clock', () => {
    const end = endPass(run({ cursor: 'acc-9', invoiced: 5 }), remaining(0), 0, NOW);
    expect(end).toMatchObject({ kind: 'ended', run: { status: 'completed', completedAt: NOW, cursor: null, failed: 0, remaining: 0 } });
    expect(isTerminal(end.run.status)).toBe(true);
  });

  it('given accounts that failed, when the pass ends, then the run is completed_with_failures counting the failures still open', () => {
    const end = endPass(run({ invoiced: 9950, failed: 51 }), remaining(0), 50, NOW);
    expect(end).toMatchObject({ kind: 'ended', run: { status: 'completed_with_failures', failed: 50, completedAt: NOW } });
    expect(accountsInScope(end.run)).toBe(10_000);
  });

  it('given zones whose month has not ended, when the pass ends, then the run waits for the earliest of them', () => {
    const end = endPass(run({ invoiced: 3 }), remaining(0, 4), 1, '2027-01-01T00:00:00.000Z');
    expect(end).toMatchObject({ kind: 'waiting', run: { status: 'waiting', waiting: 4, remaining: 4, failed: 1, waitingUntil: '2027-01-01T09:00:00.000Z' } });
    expect(isTerminal(end.run.status)).toBe(false);
  });

  it('given a run that ended with failures, when an operator retries one account, then it runs again with one failure fewer', () => {
    const ended = run({ status: 'completed_with_failures', completedAt: NOW, failed: 2, invoiced: 8 });
    expect(reopenForRetry(ended)).toMatchObject({ status: 'running', completedAt: null, failed: 1, invoiced: 8 });
  });

  it('given the retried account is invoiced, when the pass ends, then the run is completed', () => {
    const reopened = reopenForRetry(run({ status: 'completed_with_failures', completedAt: NOW, failed: 1, invoiced: 8 }));
    const { run: paged } = afterPage(reopened, { lastAccountId: 'acc-3', invoiced: 1, zeroTotal: 0, failed: 0 }, 10);
    const end = endPass(paged, remaining(0), 0, '2026-12-04T00:00:00.000Z');
    expect(end).toMatchObject({ kind: 'ended', run: { status: 'completed', invoiced: 9, failed: 0, completedAt: '2026-12-04T00:00:00.000Z' } });
  });
});
