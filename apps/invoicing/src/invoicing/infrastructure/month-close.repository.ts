import { EntityManager } from 'typeorm';
import { toUtcIso } from '@billing/messaging';
import { AccountFailure } from '../domain/account-failure';
import { ZoneCount } from '../domain/month-close-plan';
import { MonthCloseRun, RunStatus } from '../domain/month-close-run';

/** An account a run could not invoice; open until an operator retries it. */
export interface RunFailure {
  accountId: string;
  code: string;
  reason: string;
  failedAt: string;
  /** How many times the account failed in this run. */
  attempts: number;
  retriedAt: string | null;
  retriedBy: string | null;
}

interface FailureRow {
  account_id: string;
  code: string;
  detail: string;
  failed_at: Date;
  attempts: number;
  retried_at: Date | null;
  retried_by: string | null;
}

const toFailure = (r: FailureRow): RunFailure => ({
  accountId: r.account_id,
  code: r.code,
  reason: r.detail,
  failedAt: toUtcIso(r.failed_at),
  attempts: r.attempts,
  retriedAt: r.retried_at ? toUtcIso(r.retried_at) : null,
  retriedBy: r.retried_by,
});

interface RunRow {
  run_id: string;
  period: string;
  status: RunStatus;
  request_event_id: string;
  requested_by: string;
  started_at: Date;
  completed_at: Date | null;
  cursor: string | null;
  invoiced: number;
  zero_total: number;
  failed: number;
  remaining: number;
  waiting: number;
  waiting_until: Date | null;
  pages_since_progress: number;
}

const toRun = (r: RunRow): MonthCloseRun => ({
  runId: r.run_id,
  period: r.period,
  status: r.status,
  requestEventId: r.request_event_id,
  requestedBy: r.requested_by,
  startedAt: toUtcIso(r.started_at),
  completedAt: r.completed_at ? toUtcIso(r.completed_at) : null,
  cursor: r.cursor,
  invoiced: r.invoiced,
  zeroTotal: r.zero_total,
  failed: r.failed,
  remaining: r.remaining,
  waiting: r.waiting,
  waitingUntil: r.waiting_until ? toUtcIso(r.waiting_until) : null,
  pagesSinceProgress: r.pages_since_progress,
});

export interface MonthCloseRequest {
  period: string;
  runId: string;
  eventId: string;
  requestedAt: string;
  requestedBy: string;
}

/** Month-close requests (one per period) and runs (one per period, with their cursor and counters). */
export const monthCloseRepository = {
  /** Inserts the period's request unless one exists; returns the request that holds the period. */
  async claimRequest(manager: EntityManager, request: MonthCloseRequest): Promise<{ created: boolean; request: MonthCloseRequest }> {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO month_close_requests (period, run_id, event_id, requested_at, requested_by)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING period`,
      [request.period, request.runId, request.eventId, request.requestedAt, request.requestedBy],
    );
    if (inserted.length === 1) return { created: true, request };
    const existing = await this.findRequest(manager, request.period);
    if (!existing) throw new Error(`month-close request for ${request.period} conflicted but cannot be read`);
    return { created: false, request: existing };
  },

  async findRequest(manager: EntityManager, period: string): Promise<MonthCloseRequest | null> {
    const rows: { period: string; run_id: string; event_id: string; requested_at: Date; requested_by: string }[] = await manager.query(
      `SELECT period, run_id, event_id, requested_at, requested_by FROM month_close_requests WHERE period = $1`,
      [period],
    );
    return rows.length
      ? { period: rows[0].period, runId: rows[0].run_id, eventId: rows[0].event_id, requestedAt: toUtcIso(rows[0].requested_at), requestedBy: rows[0].requested_by }
      : null;
  },

  async findRequestByRun(manager: EntityManager, runId: string): Promise<MonthCloseRequest | null> {
    const rows: { period: string }[] = await manager.query(`SELECT period FROM month_close_requests WHERE run_id = $1`, [runId]);
    return rows.length ? this.findRequest(manager, rows[0].period) : null;
  },

  /** Creates the run of a period unless it exists; true when created. */
  async createRun(
    manager: EntityManager,
    run: { runId: string; period: string; requestEventId: string; requestedBy: string; startedAt: string },
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO month_close_runs (run_id, period, status, request_event_id, requested_by, started_at)
       VALUES ($1, $2, 'running', $3, $4, $5) ON CONFLICT DO NOTHING RETURNING run_id`,
      [run.runId, run.period, run.requestEventId, run.requestedBy, run.startedAt],
    );
    return rows.length === 1;
  },

  async findRun(manager: EntityManager, runId: string): Promise<MonthCloseRun | null> {
    const rows: RunRow[] = await manager.query(`SELECT * FROM month_close_runs WHERE run_id = $1`, [runId]);
    return rows.length ? toRun(rows[0]) : null;
  },

  /** Runs with work to do now: running, or waiting for a zone whose time has come. */
  async dueRunIds(manager: EntityManager, now: string): Promise<string[]> {
    const rows: { run_id: string }[] = await manager.query(
      `SELECT run_id FROM month_close_runs
       WHERE status = 'running' OR (status = 'waiting' AND waiting_until <= $1)
       ORDER BY started_at, run_id`,
      [now],
    );
    return rows.map((r) => r.run_id);
  },

  /** Locks a run for this transaction, waiting for a page in flight to commit; null when unknown. */
  async lockRun(manager: EntityManager, runId: string): Promise<MonthCloseRun | null> {
    const rows: RunRow[] = await manager.query(`SELECT * FROM month_close_runs WHERE run_id = $1 FOR UPDATE`, [runId]);
    return rows.length ? toRun(rows[0]) : null;
  },

  /** Locks a due run for this transaction; null when another instance holds it or it is not due. */
  async lockDueRun(manager: EntityManager, runId: string, now: string): Promise<MonthCloseRun | null> {
    const rows: RunRow[] = await manager.query(
      `SELECT * FROM month_close_runs
       WHERE run_id = $1 AND (status = 'running' OR (status = 'waiting' AND waiting_until <= $2))
       FOR UPDATE SKIP LOCKED`,
      [runId, now],
    );
    return rows.length ? toRun(rows[0]) : null;
  },

  async saveRun(manager: EntityManager, run: MonthCloseRun): Promise<void> {
    await manager.query(
      `UPDATE month_close_runs SET status = $2, completed_at = $3, cursor = $4, invoiced = $5, zero_total = $6, failed = $7,
         remaining = $8, waiting = $9, waiting_until = $10, pages_since_progress = $11
       WHERE run_id = $1`,
      [
        run.runId,
        run.status,
        run.completedAt,
        run.cursor,
        run.invoiced,
        run.zeroTotal,
        run.failed,
        run.remaining,
        run.waiting,
        run.waitingUntil,
        run.pagesSinceProgress,
      ],
    );
  },

  /**
   * The zones of active accounts. Asked once per page, so it must not read every account: a
   * skip scan of `accounts_active_zone` (one index probe per zone) instead of DISTINCT over the
   * table, which made each page cost O(accounts) and a close O(accounts²/page size).
   */
  async activeZones(manager: EntityManager): Promise<string[]> {
    const rows: { time_zone: string }[] = await manager.query(
      `WITH RECURSIVE zones AS (
         (SELECT time_zone FROM accounts WHERE status = 'active' ORDER BY time_zone LIMIT 1)
         UNION ALL
         SELECT (SELECT a.time_zone FROM accounts a WHERE a.status = 'active' AND a.time_zone > z.time_zone ORDER BY a.time_zone LIMIT 1)
         FROM zones z WHERE z.time_zone IS NOT NULL
       )
       SELECT time_zone FROM zones WHERE time_zone IS NOT NULL`,
    );
    return rows.map((r) => r.time_zone);
  },

  /** Active accounts without an invoice for the period (and not failed in this run, unless retried), per zone. */
  async remainingByZone(manager: EntityManager, runId: string, period: string): Promise<ZoneCount[]> {
    const rows: { time_zone: string; count: number }[] = await manager.query(
      `SELECT a.time_zone, count(*)::int AS count FROM accounts a
       WHERE a.status = 'active'
         AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.account_id = a.account_id AND i.period = $2)
         AND NOT EXISTS (SELECT 1 FROM month_close_failures f
                         WHERE f.run_id = $1 AND f.account_id = a.account_id AND f.retried_at IS NULL)
       GROUP BY a.time_zone`,
      [runId, period],
    );
    return rows.map((r) => ({ timeZone: r.time_zone, count: r.count }));
  },

  /**
   * Records accounts the run could not invoice. An account failed before and retried since fails
   * again (its attempts count up); one still failed is left as it is. Returns the accounts whose
   * failure was recorded now (the ones to announce).
   */
  async recordFailures(manager: EntityManager, runId: string, failures: readonly AccountFailure[], at: string): Promise<Set<string>> {
    if (failures.length === 0) return new Set();
    const rows: { account_id: string }[] = await manager.query(
      `INSERT INTO month_close_failures AS f (run_id, account_id, code, detail, failed_at)
       SELECT $1, account_id, code, detail, $5 FROM unnest($2::uuid[], $3::text[], $4::text[]) AS x(account_id, code, detail)
       ON CONFLICT (run_id, account_id) DO UPDATE
         SET code = EXCLUDED.code, detail = EXCLUDED.detail, failed_at = EXCLUDED.failed_at,
             attempts = f.attempts + 1, retried_at = NULL, retried_by = NULL
         WHERE f.retried_at IS NOT NULL
       RETURNING account_id`,
      [runId, failures.map((f) => f.accountId), failures.map((f) => f.code), failures.map((f) => f.reason), at],
    );
    return new Set(rows.map((r) => r.account_id));
  },

  /** Accounts failed in the run and not retried since. */
  async countOpenFailures(manager: EntityManager, runId: string): Promise<number> {
    const [{ count }] = await manager.query(
      `SELECT count(*)::int AS count FROM month_close_failures WHERE run_id = $1 AND retried_at IS NULL`,
      [runId],
    );
    return count;
  },

  /** Open failures of a run by account id, after `after`: one page of at most `limit`. */
  async listOpenFailures(manager: EntityManager, runId: string, after: string | null, limit: number): Promise<RunFailure[]> {
    const rows: FailureRow[] = await manager.query(
      `SELECT account_id, code, detail, failed_at, attempts, retried_at, retried_by FROM month_close_failures
       WHERE run_id = $1 AND retried_at IS NULL AND ($2::uuid IS NULL OR account_id > $2::uuid)
       ORDER BY account_id LIMIT $3`,
      [runId, after, limit],
    );
    return rows.map(toFailure);
  },

  async findFailure(manager: EntityManager, runId: string, accountId: string): Promise<RunFailure | null> {
    const rows: FailureRow[] = await manager.query(
      `SELECT account_id, code, detail, failed_at, attempts, retried_at, retried_by FROM month_close_failures
       WHERE run_id = $1 AND account_id = $2`,
      [runId, accountId],
    );
    return rows.length ? toFailure(rows[0]) : null;
  },

  /** Puts a failed account back in the run's scope (the row stays: its history and the retry). */
  async markRetried(manager: EntityManager, runId: string, accountId: string, at: string, by: string): Promise<void> {
    await manager.query(
      `UPDATE month_close_failures SET retried_at = $3, retried_by = $4 WHERE run_id = $1 AND account_id = $2 AND retried_at IS NULL`,
      [runId, accountId, at, by],
    );
  },
};
