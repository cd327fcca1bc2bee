import { EntityManager } from 'typeorm';
import { toUtcIso, toUtcIsoOrNull } from '@billing/messaging';
import { HoldReason, ReleaseReason } from '../domain/hold';
import { HOLD_COLUMNS, HistoryRow, HoldRow } from './account-hold.repository';

/**
 * The read side of holds, for the API: current holds, one account's hold, its history and its
 * audit trail. Plain reads, no locks; the write side (locking, claiming, saving) is
 * account-hold.repository.ts.
 */

export interface HoldView {
  accountId: string;
  holdId: string;
  reason: HoldReason;
  invoiceIds: string[];
  placedAt: string;
}

export async function listActiveHolds(
  manager: EntityManager,
  page: { limit: number; after: string | null },
): Promise<HoldView[]> {
  const rows: HoldRow[] = await manager.query(
    `SELECT ${HOLD_COLUMNS} FROM account_holds
     WHERE hold_id IS NOT NULL AND ($1::text IS NULL OR account_id > $1::text)
     ORDER BY account_id
     LIMIT $2`,
    [page.after, page.limit],
  );
  return rows.map((r) => ({
    accountId: r.account_id,
    holdId: r.hold_id!,
    reason: r.reason!,
    invoiceIds: r.invoice_ids ?? [],
    placedAt: toUtcIso(r.placed_at!),
  }));
}

export interface HoldHistoryView {
  holdId: string;
  reason: HoldReason;
  invoiceIds: string[];
  placedAt: string;
  releasedAt: string | null;
  releaseReason: ReleaseReason | null;
  releasedBy: string | null;
  note: string | null;
}

export async function holdHistory(manager: EntityManager, accountId: string): Promise<HoldHistoryView[]> {
  const rows: HistoryRow[] = await manager.query(
    `SELECT * FROM account_hold_history WHERE account_id = $1 ORDER BY placed_at DESC, hold_id`,
    [accountId],
  );
  return rows.map((r) => ({
    holdId: r.hold_id,
    reason: r.reason,
    invoiceIds: r.invoice_ids,
    placedAt: toUtcIso(r.placed_at),
    releasedAt: toUtcIsoOrNull(r.released_at),
    releaseReason: r.release_reason,
    releasedBy: r.released_by,
    note: r.note,
  }));
}

export interface AuditView {
  holdId: string;
  action: string;
  actor: string;
  reason: string;
  at: string;
}

export async function auditTrail(manager: EntityManager, accountId: string): Promise<AuditView[]> {
  const rows: { hold_id: string; action: string; actor: string; reason: string; at: Date }[] = await manager.query(
    `SELECT hold_id, action, actor, reason, at FROM hold_audit WHERE account_id = $1 ORDER BY at DESC, id DESC`,
    [accountId],
  );
  return rows.map((r) => ({ holdId: r.hold_id, action: r.action, actor: r.actor, reason: r.reason, at: toUtcIso(r.at) }));
}

export async function activeHold(manager: EntityManager, accountId: string): Promise<HoldView | null> {
  const [row]: HoldRow[] = await manager.query(
    `SELECT ${HOLD_COLUMNS} FROM account_holds WHERE account_id = $1 AND hold_id IS NOT NULL`,
    [accountId],
  );
  if (!row) return null;
  return { accountId: row.account_id, holdId: row.hold_id!, reason: row.reason!, invoiceIds: row.invoice_ids ?? [], placedAt: toUtcIso(row.placed_at!) };
}
