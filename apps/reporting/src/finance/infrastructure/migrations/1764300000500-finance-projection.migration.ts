import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The finance projection: tables rebuilt from the ledger topics (never written by anything
 * but the projector), a view of each invoice's balance, and the projection's generation
 * (which consumer group feeds it; bumped by every rebuild).
 */
export class FinanceProjection1764300000500 implements MigrationInterface {
  name = 'FinanceProjection1764300000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE projection_state (
        id smallint PRIMARY KEY CHECK (id = 1),
        generation integer NOT NULL,
        rebuilt_at timestamptz,
        replay_target jsonb NOT NULL DEFAULT '[]'::jsonb
      )`);
    await q.query(`INSERT INTO projection_state (id, generation) VALUES (1, 1)`);

    await q.query(`
      CREATE TABLE month_close_runs (
        run_id uuid PRIMARY KEY,
        period char(7) NOT NULL,
        requested_at timestamptz,
        requested_by text,
        accounts_in_scope integer,
        invoiced integer,
        zero_total integer,
        remaining integer,
        -- which fact the counts come from: 1 progressed, 2 completed; the later fact wins
        counts_rank smallint NOT NULL DEFAULT 0,
        counts_at timestamptz,
        started_at timestamptz,
        completed_at timestamptz
      )`);
    await q.query(`CREATE INDEX month_close_runs_period ON month_close_runs (period)`);

    await q.query(`
      CREATE TABLE invoices (
        invoice_id uuid PRIMARY KEY,
        invoice_number text NOT NULL,
        account_id text NOT NULL,
        run_id uuid NOT NULL,
        period char(7) NOT NULL,
        period_start timestamptz NOT NULL,
        period_end timestamptz NOT NULL,
        currency char(3) NOT NULL,
        subtotal_minor bigint NOT NULL,
        credit_applied_minor bigint NOT NULL,
        total_minor bigint NOT NULL,
        issued_at timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        requires_charge boolean NOT NULL,
        customer_name text NOT NULL,
        customer_email text NOT NULL,
        event_id uuid NOT NULL
      )`);
    await q.query(`CREATE INDEX invoices_period_currency ON invoices (period, currency)`);
    await q.query(`CREATE INDEX invoices_account ON invoices (account_id)`);

    await q.query(`
      CREATE TABLE invoice_lines (
        invoice_id uuid NOT NULL,
        line_id text NOT NULL,
        sku text NOT NULL,
        description text NOT NULL,
        resource_id text,
        unit text NOT NULL,
        quantity numeric NOT NULL,
        unit_price numeric NOT NULL,
        amount_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        capped boolean NOT NULL,
        usage_period char(7) NOT NULL,
        PRIMARY KEY (invoice_id, line_id)
      )`);

    // One row per charge outcome; a skip has attempt 0. Keyed by the fact, not the event id,
    // so a fact re-emitted under a new event id is still counted once.
    await q.query(`
      CREATE TABLE charge_attempts (
        invoice_id uuid NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'skipped')),
        attempt integer NOT NULL,
        account_id text NOT NULL,
        invoice_number text NOT NULL,
        amount_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        code text,
        decline_code text,
        message text,
        retryable boolean,
        provider_payment_intent_id text,
        provider_charge_id text,
        occurred_at timestamptz NOT NULL,
        event_id uuid NOT NULL,
        PRIMARY KEY (invoice_id, outcome, attempt)
      )`);
    await q.query(`CREATE INDEX charge_attempts_account ON charge_attempts (account_id)`);

    await q.query(`
      CREATE TABLE holds (
        hold_id uuid PRIMARY KEY,
        account_id text NOT NULL,
        reason text,
        unpaid_invoices jsonb,
        placed_at timestamptz,
        released_at timestamptz,
        release_reason text,
        released_by text,
        note text,
        placed_event_id uuid,
        released_event_id uuid
      )`);
    await q.query(`CREATE INDEX holds_account ON holds (account_id)`);

    await q.query(`
      CREATE TABLE emails (
        email_key text NOT NULL,
        status text NOT NULL CHECK (status IN ('sent', 'failed')),
        account_id text NOT NULL,
        template text NOT NULL,
        subject_id text NOT NULL,
        invoice_id uuid,
        message_id text,
        reason text,
        smtp_code integer,
        occurred_at timestamptz NOT NULL,
        correlation_id text NOT NULL,
        event_id uuid NOT NULL,
        PRIMARY KEY (email_key, status)
      )`);
    await q.query(`CREATE INDEX emails_invoice ON emails (invoice_id)`);

    // Every projected event, in arrival order (seq), deduplicated by the fact it records
    // (entry_key). Feeds the per-account ledger.
    await q.query(`
      CREATE TABLE projection_events (
        seq bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        entry_key text NOT NULL UNIQUE,
        account_id text NOT NULL,
        type text NOT NULL,
        topic_rank smallint NOT NULL,
        occurred_at timestamptz NOT NULL,
        correlation_id text NOT NULL,
        invoice_id uuid,
        invoice_number text,
        amount_minor bigint,
        currency char(3),
        detail jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX projection_events_account ON projection_events (account_id, occurred_at, topic_rank, seq)`);

    // Each invoice's balance now: collected is what succeeded attempts in the invoice's
    // currency brought in; outstanding is what is still owed (never negative).
    await q.query(`
      CREATE VIEW invoice_balances AS
      SELECT i.invoice_id, i.invoice_number, i.account_id, i.run_id, i.period, i.currency,
             i.subtotal_minor, i.credit_applied_minor, i.total_minor, i.issued_at, i.due_at,
             COALESCE(c.collected_minor, 0)::bigint AS collected_minor,
             GREATEST(i.total_minor - COALESCE(c.collected_minor, 0), 0)::bigint AS outstanding_minor,
             COALESCE(c.failed_attempts, 0)::int AS failed_attempts,
             COALESCE(c.outcomes, 0)::int AS outcomes
      FROM invoices i
      LEFT JOIN (
        SELECT a.invoice_id,
               SUM(a.amount_minor) FILTER (WHERE a.outcome = 'succeeded' AND a.currency = inv.currency) AS collected_minor,
               COUNT(*) FILTER (WHERE a.outcome = 'failed') AS failed_attempts,
               COUNT(*) AS outcomes
        FROM charge_attempts a JOIN invoices inv USING (invoice_id)
        GROUP BY a.invoice_id
      ) c USING (invoice_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP VIEW invoice_balances');
    for (const table of ['projection_events', 'emails', 'holds', 'charge_attempts', 'invoice_lines', 'invoices', 'month_close_runs', 'projection_state']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
