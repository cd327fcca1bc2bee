import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Collections' own tables:
 * - `dunning_cases`: one row per unpaid (or once unpaid) invoice, the state of `DunningCase`.
 *   The scheduler claims due retries through `dunning_cases_retry_due` and due holds through
 *   `dunning_cases_hold_due`.
 * - `account_holds`: one row per account collections has dealt with; its hold columns hold the
 *   ACTIVE hold (all null: not on hold). The row is also the account's lock: the consumer, the
 *   scheduler and a manual release lock it before reading the account's cases.
 * - `account_hold_history`: every hold ever placed, with how it was released.
 * - `hold_audit`: manual releases: who, why, when.
 */
export class DunningTables1764300004000 implements MigrationInterface {
  name = 'DunningTables1764300004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dunning_cases (
        case_id uuid PRIMARY KEY,
        invoice_id uuid NOT NULL UNIQUE,
        invoice_number text NOT NULL,
        account_id text NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
        currency char(3) NOT NULL,
        customer jsonb NOT NULL,
        due_at timestamptz NOT NULL,
        first_failed_at timestamptz NOT NULL,
        attempts_made integer NOT NULL,
        last_attempt jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('retrying', 'exhausted', 'action_required', 'paid')),
        next_retry_at timestamptz,
        next_attempt integer,
        retry_requested_at timestamptz,
        hold_due_at timestamptz,
        paid_at timestamptz,
        hold_forgiven boolean NOT NULL DEFAULT false,
        correlation_id text NOT NULL,
        last_event_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX dunning_cases_account ON dunning_cases (account_id)`);
    await q.query(`
      CREATE INDEX dunning_cases_retry_due ON dunning_cases (next_retry_at)
      WHERE status = 'retrying' AND retry_requested_at IS NULL`);
    await q.query(`
      CREATE INDEX dunning_cases_hold_due ON dunning_cases (hold_due_at, account_id)
      WHERE status IN ('exhausted', 'action_required') AND NOT hold_forgiven`);

    await q.query(`
      CREATE TABLE account_holds (
        account_id text PRIMARY KEY,
        hold_id uuid UNIQUE,
        reason text CHECK (reason IN ('retries_exhausted', 'payment_action_required')),
        invoice_ids uuid[],
        customer jsonb,
        placed_at timestamptz,
        correlation_id text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((hold_id IS NULL) = (placed_at IS NULL))
      )`);
    await q.query(`CREATE INDEX account_holds_active ON account_holds (account_id) WHERE hold_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE account_hold_history (
        hold_id uuid PRIMARY KEY,
        account_id text NOT NULL,
        reason text NOT NULL,
        invoice_ids uuid[] NOT NULL,
        customer jsonb NOT NULL,
        placed_at timestamptz NOT NULL,
        correlation_id text NOT NULL,
        released_at timestamptz,
        release_reason text CHECK (release_reason IN ('paid', 'manual')),
        released_by text,
        note text
      )`);
    await q.query(`CREATE INDEX account_hold_history_account ON account_hold_history (account_id, placed_at)`);

    await q.query(`
      CREATE TABLE hold_audit (
        id bigserial PRIMARY KEY,
        account_id text NOT NULL,
        hold_id uuid NOT NULL,
        action text NOT NULL CHECK (action IN ('manual_release')),
        actor text NOT NULL,
        reason text NOT NULL,
        at timestamptz NOT NULL,
        event_id uuid NOT NULL
      )`);
    await q.query(`CREATE INDEX hold_audit_account ON hold_audit (account_id, at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE hold_audit');
    await q.query('DROP TABLE account_hold_history');
    await q.query('DROP TABLE account_holds');
    await q.query('DROP TABLE dunning_cases');
  }
}
