import { EntityManager } from 'typeorm';
import { ProjectionBatch } from '../domain/projection';

/** Column name -> PostgreSQL type of the JSON record set a batch is read from. */
type Columns = Record<string, string>;

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function toRecords(rows: readonly object[]): Record<string, unknown>[] {
  return rows.map((row, ord) => {
    const out: Record<string, unknown> = { ord };
    for (const [key, value] of Object.entries(row)) out[snake(key)] = value;
    return out;
  });
}

/**
 * One statement per table and batch: `INSERT ... SELECT FROM jsonb_to_recordset($1)` in the
 * batch's order, with the table's conflict rule (keys are business facts, so a replay or a
 * redelivery changes nothing).
 */
async function bulkInsert(manager: EntityManager, table: string, columns: Columns, rows: readonly object[], onConflict: string): Promise<void> {
  if (rows.length === 0) return;
  const names = Object.keys(columns);
  const definition = ['ord int', ...names.map((n) => `${n} ${columns[n]}`)].join(', ');
  await manager.query(
    `INSERT INTO ${table} AS t (${names.join(', ')})
     SELECT ${names.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS x(${definition})
     ORDER BY ord
     ${onConflict}`,
    [JSON.stringify(toRecords(rows))],
  );
}

const RUN_COLUMNS: Columns = {
  run_id: 'uuid',
  period: 'text',
  requested_at: 'timestamptz',
  requested_by: 'text',
  accounts_in_scope: 'int',
  invoiced: 'int',
  zero_total: 'int',
  remaining: 'int',
  counts_rank: 'smallint',
  counts_at: 'timestamptz',
  started_at: 'timestamptz',
  completed_at: 'timestamptz',
};

/** Same rule as `countsWin` in the domain: completed beats progressed, then the later instant. */
const COUNTS_WIN = `(EXCLUDED.counts_rank > t.counts_rank
  OR (EXCLUDED.counts_rank = t.counts_rank AND EXCLUDED.counts_rank > 0 AND EXCLUDED.counts_at > t.counts_at))`;
const keepFirst = (columns: string[]) => columns.map((c) => `${c} = COALESCE(t.${c}, EXCLUDED.${c})`).join(', ');
const laterCounts = (columns: string[]) => columns.map((c) => `${c} = CASE WHEN ${COUNTS_WIN} THEN EXCLUDED.${c} ELSE t.${c} END`).join(', ');

const RUN_CONFLICT = `ON CONFLICT (run_id) DO UPDATE SET
  ${keepFirst(['requested_at', 'requested_by', 'started_at', 'completed_at'])},
  ${laterCounts(['accounts_in_scope', 'invoiced', 'zero_total', 'remaining', 'counts_at', 'counts_rank'])}`;

const FAILURE_COLUMNS: Columns = {
  run_id: 'uuid',
  account_id: 'text',
  period: 'text',
  code: 'text',
  reason: 'text',
  failed_at: 'timestamptz',
  event_id: 'uuid',
};

/** Same rule as `mergeFailure` in the domain: the later failure of a (run, account) wins. */
const FAILURE_CONFLICT = `ON CONFLICT (run_id, account_id) DO UPDATE SET
  code = EXCLUDED.code, reason = EXCLUDED.reason, failed_at = EXCLUDED.failed_at, event_id = EXCLUDED.event_id
  WHERE EXCLUDED.failed_at > t.failed_at`;

const INVOICE_COLUMNS: Columns = {
  invoice_id: 'uuid',
  invoice_number: 'text',
  account_id: 'text',
  run_id: 'uuid',
  period: 'text',
  period_start: 'timestamptz',
  period_end: 'timestamptz',
  currency: 'text',
  subtotal_minor: 'bigint',
  credit_applied_minor: 'bigint',
  total_minor: 'bigint',
  issued_at: 'timestamptz',
  due_at: 'timestamptz',
  requires_charge: 'boolean',
  collection: 'text',
  carried_forward_minor: 'bigint',
  customer_name: 'text',
  customer_email: 'text',
  event_id: 'uuid',
};

const LINE_COLUMNS: Columns = {
  invoice_id: 'uuid',
  line_id: 'text',
  sku: 'text',
  description: 'text',
  resource_id: 'text',
  unit: 'text',
  quantity: 'numeric',
  unit_price: 'numeric',
  amount_minor: 'bigint',
  currency: 'text',
  capped: 'boolean',
  usage_period: 'text',
  kind: 'text',
  carried_from_invoice_id: 'uuid',
  carried_from_invoice_number: 'text',
};

const ATTEMPT_COLUMNS: Columns = {
  invoice_id: 'uuid',
  outcome: 'text',
  attempt: 'int',
  account_id: 'text',
  invoice_number: 'text',
  amount_minor: 'bigint',
  currency: 'text',
  code: 'text',
  decline_code: 'text',
  message: 'text',
  retryable: 'boolean',
  provider_payment_intent_id: 'text',
  provider_charge_id: 'text',
  payment_method_id: 'text',
  occurred_at: 'timestamptz',
  event_id: 'uuid',
};

const OFFLINE_PAYMENT_COLUMNS: Columns = {
  payment_id: 'uuid',
  invoice_id: 'uuid',
  invoice_number: 'text',
  account_id: 'text',
  method: 'text',
  amount_minor: 'bigint',
  currency: 'text',
  reference: 'text',
  received_at: 'timestamptz',
  recorded_at: 'timestamptz',
  recorded_by: 'text',
  outstanding_after_minor: 'bigint',
  event_id: 'uuid',
};

const HOLD_COLUMNS: Columns = {
  hold_id: 'uuid',
  account_id: 'text',
  reason: 'text',
  unpaid_invoices: 'jsonb',
  placed_at: 'timestamptz',
  released_at: 'timestamptz',
  release_reason: 'text',
  released_by: 'text',
  note: 'text',
  placed_event_id: 'uuid',
  released_event_id: 'uuid',
};

const HOLD_CONFLICT = `ON CONFLICT (hold_id) DO UPDATE SET ${keepFirst(
  Object.keys(HOLD_COLUMNS).filter((c) => c !== 'hold_id' && c !== 'account_id'),
)}`;

const EMAIL_COLUMNS: Columns = {
  email_key: 'text',
  status: 'text',
  account_id: 'text',
  template: 'text',
  subject_id: 'text',
  invoice_id: 'uuid',
  message_id: 'text',
  reason: 'text',
  smtp_code: 'int',
  occurred_at: 'timestamptz',
  correlation_id: 'text',
  event_id: 'uuid',
};

const CREDIT_NOTE_COLUMNS: Columns = {
  credit_note_id: 'uuid',
  credit_note_number: 'text',
  invoice_id: 'uuid',
  invoice_number: 'text',
  account_id: 'text',
  kind: 'text',
  reason: 'text',
  currency: 'text',
  total_minor: 'bigint',
  invoice_total_minor: 'bigint',
  credited_before_minor: 'bigint',
  paid_part_to: 'text',
  lines: 'jsonb',
  issued_at: 'timestamptz',
  issued_by: 'text',
  event_id: 'uuid',
};

const SETTLEMENT_COLUMNS: Columns = {
  credit_note_id: 'uuid',
  credit_note_number: 'text',
  invoice_id: 'uuid',
  invoice_number: 'text',
  account_id: 'text',
  currency: 'text',
  total_minor: 'bigint',
  applied_to_outstanding_minor: 'bigint',
  refund_minor: 'bigint',
  account_credit_minor: 'bigint',
  outstanding_after_minor: 'bigint',
  settled_at: 'timestamptz',
  event_id: 'uuid',
};

const REFUND_COLUMNS: Columns = {
  credit_note_id: 'uuid',
  outcome: 'text',
  credit_note_number: 'text',
  invoice_id: 'uuid',
  invoice_number: 'text',
  account_id: 'text',
  amount_minor: 'bigint',
  currency: 'text',
  provider_refund_id: 'text',
  provider_payment_intent_id: 'text',
  error_code: 'text',
  message: 'text',
  occurred_at: 'timestamptz',
  event_id: 'uuid',
};

const ENTRY_COLUMNS: Columns = {
  event_id: 'uuid',
  entry_key: 'text',
  account_id: 'text',
  type: 'text',
  topic_rank: 'smallint',
  occurred_at: 'timestamptz',
  correlation_id: 'text',
  invoice_id: 'uuid',
  invoice_number: 'text',
  amount_minor: 'bigint',
  currency: 'text',
  detail: 'jsonb',
};

/** Writes a projected batch in the consumer's transaction: one statement per table. */
export async function writeProjection(manager: EntityManager, batch: ProjectionBatch): Promise<void> {
  await bulkInsert(manager, 'month_close_runs', RUN_COLUMNS, batch.runs, RUN_CONFLICT);
  await bulkInsert(manager, 'month_close_failures', FAILURE_COLUMNS, batch.failures, FAILURE_CONFLICT);
  await bulkInsert(manager, 'invoices', INVOICE_COLUMNS, batch.invoices, 'ON CONFLICT DO NOTHING');
  await bulkInsert(manager, 'invoice_lines', LINE_COLUMNS, batch.lines, 'ON CONFLICT DO NOTHING');
  await bulkInsert(manager, 'charge_attempts', ATTEMPT_COLUMNS, batch.attempts, 'ON CONFLICT DO NOTHING');
  await bulkInsert(manager, 'offline_payments', OFFLINE_PAYMENT_COLUMNS, batch.payments, 'ON CONFLICT DO NOTHING');
  await bulkInsert(manager, 'holds', HOLD_COLUMNS, batch.holds, HOLD_CONFLICT);
  await bulkInsert(manager, 'emails', EMAIL_COLUMNS, batch.emails, 'ON CONFLICT DO NOTHING');
  await bulkInsert(manager, 'credit_notes', CREDIT_NOTE_COLUMNS, batch.creditNotes, 'ON CONFLICT DO NOTHING');
  await bulkInsert(manager, 'credit_note_settlements', SETTLEMENT_COLUMNS, batch.settlements, 'ON CONFLICT DO NOTHING');
  await bulkInsert(manager, 'refunds', REFUND_COLUMNS, batch.refunds, 'ON CONFLICT DO NOTHING');
  await bulkInsert(manager, 'projection_events', ENTRY_COLUMNS, batch.entries, 'ON CONFLICT DO NOTHING');
}
