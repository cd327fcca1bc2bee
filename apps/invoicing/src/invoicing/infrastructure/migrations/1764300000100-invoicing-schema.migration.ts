import { MigrationInterface, QueryRunner } from 'typeorm';

/** Accounts, price list, usage, invoices and month-close runs of the invoicing service. */
export class InvoicingSchema1764300000100 implements MigrationInterface {
  name = 'InvoicingSchema1764300000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE accounts (
        account_id uuid PRIMARY KEY,
        name text NOT NULL,
        billing_email text NOT NULL,
        currency char(3) NOT NULL,
        time_zone text NOT NULL,
        locale text NOT NULL,
        provider_customer_id text,
        payment_method_id text,
        credit_balance_minor bigint NOT NULL DEFAULT 0 CHECK (credit_balance_minor >= 0),
        status text NOT NULL CHECK (status IN ('active', 'closed')),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX accounts_active_zone ON accounts (time_zone, account_id) WHERE status = 'active'`);

    await q.query(`
      CREATE TABLE products (
        sku text PRIMARY KEY,
        description text NOT NULL,
        unit text NOT NULL CHECK (unit IN ('hour', 'GB-month', 'request', 'seat')),
        prices jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      )`);

    // billed_invoice_id: the invoice the record was billed on (NULL = not billed yet).
    // late: the record arrived after the invoice of its own period had been issued.
    await q.query(`
      CREATE TABLE usage_records (
        usage_id text PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES accounts (account_id),
        sku text NOT NULL REFERENCES products (sku),
        resource_id text NOT NULL,
        quantity numeric NOT NULL CHECK (quantity >= 0),
        occurred_at timestamptz NOT NULL,
        usage_period char(7) NOT NULL,
        received_at timestamptz NOT NULL,
        late boolean NOT NULL DEFAULT false,
        billed_invoice_id uuid
      )`);
    await q.query(
      `CREATE INDEX usage_unbilled ON usage_records (account_id, occurred_at) WHERE billed_invoice_id IS NULL`,
    );
    await q.query(`CREATE INDEX usage_by_invoice ON usage_records (billed_invoice_id) WHERE billed_invoice_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE invoice_sequences (
        period char(7) PRIMARY KEY,
        last_value bigint NOT NULL
      )`);

    await q.query(`
      CREATE TABLE invoices (
        invoice_id uuid PRIMARY KEY,
        invoice_number text NOT NULL UNIQUE,
        account_id uuid NOT NULL REFERENCES accounts (account_id),
        period char(7) NOT NULL,
        run_id uuid NOT NULL,
        currency char(3) NOT NULL,
        subtotal_minor bigint NOT NULL CHECK (subtotal_minor >= 0),
        credit_applied_minor bigint NOT NULL CHECK (credit_applied_minor >= 0),
        total_minor bigint NOT NULL CHECK (total_minor >= 0),
        requires_charge boolean NOT NULL,
        issued_at timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        snapshot jsonb NOT NULL,
        UNIQUE (account_id, period)
      )`);
    await q.query(`CREATE INDEX invoices_by_period ON invoices (period, account_id)`);

    await q.query(`
      CREATE TABLE invoice_lines (
        invoice_id uuid NOT NULL REFERENCES invoices (invoice_id),
        line_id text NOT NULL,
        account_id uuid NOT NULL,
        sku text NOT NULL,
        resource_id text,
        usage_period char(7) NOT NULL,
        quantity numeric NOT NULL,
        unit_price numeric NOT NULL,
        amount_minor bigint NOT NULL,
        capped boolean NOT NULL,
        late boolean NOT NULL,
        PRIMARY KEY (invoice_id, line_id)
      )`);
    await q.query(`CREATE INDEX invoice_lines_usage ON invoice_lines (account_id, usage_period)`);

    // One row per period: the request (API, CLI, scheduler) that started it; later ones join it.
    await q.query(`
      CREATE TABLE month_close_requests (
        period char(7) PRIMARY KEY,
        run_id uuid NOT NULL UNIQUE,
        event_id uuid NOT NULL,
        requested_at timestamptz NOT NULL,
        requested_by text NOT NULL
      )`);

    await q.query(`
      CREATE TABLE month_close_runs (
        run_id uuid PRIMARY KEY,
        period char(7) NOT NULL UNIQUE,
        status text NOT NULL CHECK (status IN ('running', 'waiting', 'completed')),
        request_event_id uuid NOT NULL,
        requested_by text NOT NULL,
        started_at timestamptz NOT NULL,
        completed_at timestamptz,
        cursor uuid,
        invoiced integer NOT NULL DEFAULT 0,
        zero_total integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        remaining integer NOT NULL DEFAULT 0,
        waiting integer NOT NULL DEFAULT 0,
        waiting_until timestamptz,
        pages_since_progress integer NOT NULL DEFAULT 0
      )`);
    await q.query(`CREATE INDEX month_close_runs_open ON month_close_runs (started_at) WHERE status <> 'completed'`);

    // Accounts a run could not invoice (e.g. a SKU without a price in the account's currency).
    await q.query(`
      CREATE TABLE month_close_failures (
        run_id uuid NOT NULL REFERENCES month_close_runs (run_id),
        account_id uuid NOT NULL,
        code text NOT NULL,
        detail text NOT NULL,
        failed_at timestamptz NOT NULL,
        PRIMARY KEY (run_id, account_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'month_close_failures',
      'month_close_runs',
      'month_close_requests',
      'invoice_lines',
      'invoices',
      'invoice_sequences',
      'usage_records',
      'products',
      'accounts',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
