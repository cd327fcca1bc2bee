import { EntityManager } from 'typeorm';
import { toUtcIso } from '@billing/messaging';
import { AccountHoldState, ActiveHold, HoldReason, ReleasedHold, ReleaseReason } from '../domain/hold';

/** An account's hold state with the month-close run its active hold belongs to. */
export interface StoredHoldState {
  readonly state: AccountHoldState;
  /** Correlation id of the active hold (carried to its release event). */
  readonly correlationId: string | null;
}

/** A row of account_holds: one per account collections has seen; the hold columns are null when none is active. */
export interface HoldRow {
  account_id: string;
  hold_id: string | null;
  reason: HoldReason | null;
  invoice_ids: string[] | null;
  customer: ActiveHold['customer'] | null;
  placed_at: Date | null;
  correlation_id: string | null;
}

/** A row of account_hold_history: one per hold ever placed, with its release once released. */
export interface HistoryRow {
  hold_id: string;
  account_id: string;
  reason: HoldReason;
  invoice_ids: string[];
  customer: ActiveHold['customer'];
  placed_at: Date;
  correlation_id: string;
  released_at: Date | null;
  release_reason: ReleaseReason | null;
  released_by: string | null;
  note: string | null;
}

function activeFromRow(row: HoldRow): ActiveHold | null {
  if (row.hold_id === null) return null;
  return {
    holdId: row.hold_id,
    placedAt: toUtcIso(row.placed_at!),
    reason: row.reason!,
    invoiceIds: row.invoice_ids ?? [],
    customer: row.customer!,
  };
}

function releasedFromRow(row: HistoryRow): ReleasedHold {
  return {
    holdId: row.hold_id,
    placedAt: toUtcIso(row.placed_at),
    reason: row.reason,
    invoiceIds: row.invoice_ids,
    customer: row.customer,
    releasedAt: toUtcIso(row.released_at!),
    releaseReason: row.release_reason!,
    releasedBy: row.released_by,
    note: row.note,
  };
}

export const HOLD_COLUMNS = 'account_id, hold_id, reason, invoice_ids, customer, placed_at, correlation_id';

/**
 * Locks the accounts' hold rows (creating missing ones) in a stable order, so that the consumer,
 * the scheduler and a manual release never decide about one account at the same time, and returns
 * their hold state. Only manual releases are loaded into the history: they are what `decideHold`
 * needs (forgiven invoices).
 */
export async function lockAccounts(manager: EntityManager, accountIds: readonly string[]): Promise<Map<string, StoredHoldState>> {
  const ids = [...new Set(accountIds)].sort();
  if (ids.length === 0) return new Map();
  await manager.query(
    `INSERT INTO account_holds (account_id) SELECT id FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n) ORDER BY n
     ON CONFLICT (account_id) DO NOTHING`,
    [ids],
  );
  const rows: HoldRow[] = await manager.query(
    `SELECT ${HOLD_COLUMNS} FROM account_holds WHERE account_id = ANY($1::text[]) ORDER BY account_id FOR UPDATE`,
    [ids],
  );
  return withManualReleases(manager, rows);
}

/** Locks one account's hold row if it exists (a manual release of an account collections never saw finds none). */
export async function lockAccountIfKnown(manager: EntityManager, accountId: string): Promise<StoredHoldState | null> {
  const rows: HoldRow[] = await manager.query(`SELECT ${HOLD_COLUMNS} FROM account_holds WHERE account_id = $1 FOR UPDATE`, [
    accountId,
  ]);
  return (await withManualReleases(manager, rows)).get(accountId) ?? null;
}

/**
 * The scheduler's claim: accounts with no active hold where some case's hold time has passed
 * (and was not forgiven by a manual release). Rows another instance holds are skipped.
 */
export async function claimAccountsWithDueHolds(
  manager: EntityManager,
  now: string,
  limit: number,
): Promise<Map<string, StoredHoldState>> {
  const rows: HoldRow[] = await manager.query(
    `SELECT ${HOLD_COLUMNS} FROM account_holds h
     WHERE h.hold_id IS NULL
       AND h.account_id IN (
         SELECT c.account_id FROM dunning_cases c
         WHERE c.status IN ('exhausted', 'action_required') AND NOT c.hold_forgiven AND c.hold_due_at <= $1::timestamptz)
     ORDER BY h.account_id
     LIMIT $2
     FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return withManualReleases(manager, rows);
}

async function withManualReleases(manager: EntityManager, rows: HoldRow[]): Promise<Map<string, StoredHoldState>> {
  if (rows.length === 0) return new Map();
  const history: HistoryRow[] = await manager.query(
    `SELECT * FROM account_hold_history
     WHERE account_id = ANY($1::text[]) AND release_reason = 'manual'
     ORDER BY placed_at`,
    [rows.map((r) => r.account_id)],
  );
  return new Map(
    rows.map((row) => [
      row.account_id,
      {
        state: {
          accountId: row.account_id,
          activeHold: activeFromRow(row),
          history: history.filter((h) => h.account_id === row.account_id).map(releasedFromRow),
        },
        correlationId: row.correlation_id,
      },
    ]),
  );
}

/** What happened to one hold in a transaction: placed, released, or both. */
export interface HoldChange {
  readonly accountId: string;
  readonly hold: ActiveHold;
  readonly correlationId: string;
  readonly release: Pick<ReleasedHold, 'releasedAt' | 'releaseReason' | 'releasedBy' | 'note'> | null;
}

/**
 * Writes the accounts' new active holds and the history of the holds that changed: two bulk
 * statements. `active` has one entry per account whose active hold changed (null: none now).
 */
export async function saveHolds(
  manager: EntityManager,
  active: ReadonlyMap<string, { hold: ActiveHold | null; correlationId: string | null }>,
  changes: readonly HoldChange[],
): Promise<void> {
  if (active.size > 0) {
    const records = [...active].map(([accountId, { hold, correlationId }]) => ({
      account_id: accountId,
      hold_id: hold?.holdId ?? null,
      reason: hold?.reason ?? null,
      invoice_ids: hold ? `{${hold.invoiceIds.join(',')}}` : null,
      customer: hold?.customer ?? null,
      placed_at: hold?.placedAt ?? null,
      correlation_id: hold ? correlationId : null,
    }));
    await manager.query(
      `UPDATE account_holds h SET hold_id = r.hold_id, reason = r.reason, invoice_ids = r.invoice_ids::uuid[],
         customer = r.customer, placed_at = r.placed_at, correlation_id = r.correlation_id, updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS r(account_id text, hold_id uuid, reason text, invoice_ids text,
         customer jsonb, placed_at timestamptz, correlation_id text)
       WHERE h.account_id = r.account_id`,
      [JSON.stringify(records)],
    );
  }
  if (changes.length > 0) {
    const records = changes.map(({ accountId, hold, correlationId, release }) => ({
      hold_id: hold.holdId,
      account_id: accountId,
      reason: hold.reason,
      invoice_ids: `{${hold.invoiceIds.join(',')}}`,
      customer: hold.customer,
      placed_at: hold.placedAt,
      correlation_id: correlationId,
      released_at: release?.releasedAt ?? null,
      release_reason: release?.releaseReason ?? null,
      released_by: release?.releasedBy ?? null,
      note: release?.note ?? null,
    }));
    await manager.query(
      `INSERT INTO account_hold_history (hold_id, account_id, reason, invoice_ids, customer, placed_at, correlation_id,
         released_at, release_reason, released_by, note)
       SELECT hold_id, account_id, reason, invoice_ids::uuid[], customer, placed_at, correlation_id,
         released_at, release_reason, released_by, note
       FROM jsonb_to_recordset($1::jsonb) AS r(hold_id uuid, account_id text, reason text, invoice_ids text, customer jsonb,
         placed_at timestamptz, correlation_id text, released_at timestamptz, release_reason text, released_by text, note text)
       ON CONFLICT (hold_id) DO UPDATE SET
         released_at = COALESCE(EXCLUDED.released_at, account_hold_history.released_at),
         release_reason = COALESCE(EXCLUDED.release_reason, account_hold_history.release_reason),
         released_by = COALESCE(EXCLUDED.released_by, account_hold_history.released_by),
         note = COALESCE(EXCLUDED.note, account_hold_history.note)`,
      [JSON.stringify(records)],
    );
  }
}

export async function insertAudit(
  manager: EntityManager,
  entry: { accountId: string; holdId: string; actor: string; reason: string; at: string; eventId: string },
): Promise<number> {
  const [row]: { id: string }[] = await manager.query(
    `INSERT INTO hold_audit (account_id, hold_id, action, actor, reason, at, event_id)
     VALUES ($1, $2, 'manual_release', $3, $4, $5, $6) RETURNING id`,
    [entry.accountId, entry.holdId, entry.actor, entry.reason, entry.at, entry.eventId],
  );
  return Number(row.id);
}
