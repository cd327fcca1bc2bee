import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13: a month close isolates the accounts it cannot invoice. A run with failures ends
 * `completed_with_failures`; an operator's retry of a failed account is recorded on the failure
 * row (which stays, with how many times the account failed) and puts the account back in scope.
 */
export class MonthCloseFailureIsolation1764300013200 implements MigrationInterface {
  name = 'MonthCloseFailureIsolation1764300013200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE month_close_runs DROP CONSTRAINT month_close_runs_status_check`);
    await q.query(`
      ALTER TABLE month_close_runs ADD CONSTRAINT month_close_runs_status_check
        CHECK (status IN ('running', 'waiting', 'completed', 'completed_with_failures'))`);
    await q.query(`DROP INDEX month_close_runs_open`);
    await q.query(`CREATE INDEX month_close_runs_open ON month_close_runs (started_at) WHERE status IN ('running', 'waiting')`);
    await q.query(`
      ALTER TABLE month_close_failures
        ADD COLUMN attempts integer NOT NULL DEFAULT 1,
        ADD COLUMN retried_at timestamptz,
        ADD COLUMN retried_by text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE month_close_failures DROP COLUMN retried_by, DROP COLUMN retried_at, DROP COLUMN attempts`);
    await q.query(`DROP INDEX month_close_runs_open`);
    await q.query(`CREATE INDEX month_close_runs_open ON month_close_runs (started_at) WHERE status <> 'completed'`);
    await q.query(`UPDATE month_close_runs SET status = 'completed' WHERE status = 'completed_with_failures'`);
    await q.query(`ALTER TABLE month_close_runs DROP CONSTRAINT month_close_runs_status_check`);
    await q.query(`ALTER TABLE month_close_runs ADD CONSTRAINT month_close_runs_status_check CHECK (status IN ('running', 'waiting', 'completed'))`);
  }
}
