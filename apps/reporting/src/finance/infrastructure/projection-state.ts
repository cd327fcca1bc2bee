import { Admin } from 'kafkajs';
import { DataSource, EntityManager } from 'typeorm';
import { LEDGER_TOPICS } from '@billing/events';
import { TransientError, topicName } from '@billing/messaging';

/**
 * The projection's generation: which consumer group feeds the finance tables. A rebuild bumps
 * it, empties the tables (and the projector's inbox rows) in the same transaction, and every
 * instance then restarts its projector under the new group, reading every topic from offset 0.
 */

/** Inbox key of the projector (the same across generations: a rebuild deletes its rows). */
export const PROJECTOR_NAME = 'projector';

export const PROJECTION_TABLES = [
  'month_close_runs',
  'month_close_failures',
  'invoices',
  'invoice_lines',
  'charge_attempts',
  'offline_payments',
  'holds',
  'emails',
  'credit_notes',
  'credit_note_settlements',
  'refunds',
  'projection_events',
];

export function projectorGroupId(topicPrefix: string, generation: number): string {
  return `${topicPrefix}reporting.${PROJECTOR_NAME}.g${generation}`;
}

export interface PartitionOffset {
  topic: string;
  partition: number;
  /** The end offset when the rebuild started (the next offset to be written). */
  high: string;
  low: string;
}

export interface ProjectionState {
  generation: number;
  rebuiltAt: string | null;
  replayTarget: PartitionOffset[];
}

export async function readProjectionState(manager: EntityManager | DataSource): Promise<ProjectionState> {
  const [row] = await manager.query(`SELECT generation, rebuilt_at, replay_target FROM projection_state WHERE id = 1`);
  return {
    generation: row.generation,
    rebuiltAt: row.rebuilt_at === null ? null : new Date(row.rebuilt_at).toISOString(),
    replayTarget: row.replay_target,
  };
}

/**
 * Fence for a projector batch: it may write only while its generation is current. Locks the
 * state row FOR SHARE, so a rebuild (FOR UPDATE) waits for the batch in flight, and a batch of a
 * replaced generation rolls back (its events are read again by the new group).
 */
export async function assertCurrentGeneration(manager: EntityManager, generation: number): Promise<void> {
  const [row] = await manager.query(`SELECT generation FROM projection_state WHERE id = 1 FOR SHARE`);
  if (row.generation !== generation) {
    // Not the message's fault: an outage for this consumer, never dead-lettered while it stops.
    throw new TransientError(`projection generation ${generation} was replaced by ${row.generation}; the projector restarts`, {
      outage: true,
    });
  }
}

/** The end offsets of every ledger topic right now: what a replay must reach to be complete. */
export async function ledgerEndOffsets(admin: Admin, topicPrefix: string): Promise<PartitionOffset[]> {
  const out: PartitionOffset[] = [];
  for (const base of LEDGER_TOPICS) {
    const topic = topicName(topicPrefix, base);
    for (const p of await admin.fetchTopicOffsets(topic)) out.push({ topic, partition: p.partition, high: p.high, low: p.low });
  }
  return out;
}

/** Empties the projection and starts the next generation, in one transaction. */
export async function startNextGeneration(dataSource: DataSource, rebuiltAt: Date, replayTarget: PartitionOffset[]): Promise<number> {
  return dataSource.transaction(async (manager) => {
    const [{ generation }] = await manager.query(
      `WITH next AS (
         UPDATE projection_state SET generation = generation + 1, rebuilt_at = $1, replay_target = $2::jsonb
         WHERE id = 1 RETURNING generation
       ) SELECT generation FROM next`,
      [rebuiltAt.toISOString(), JSON.stringify(replayTarget)],
    );
    await manager.query(`TRUNCATE ${PROJECTION_TABLES.join(', ')} RESTART IDENTITY`);
    await manager.query(`DELETE FROM inbox WHERE consumer = $1`, [PROJECTOR_NAME]);
    return generation as number;
  });
}

export interface ReplayProgress {
  caughtUp: boolean;
  /** Messages between the group's committed offsets and the rebuild's target. */
  behind: number;
}

/** How far the generation's consumer group is from the end offsets recorded at the rebuild. */
export async function replayProgress(admin: Admin, groupId: string, target: PartitionOffset[]): Promise<ReplayProgress> {
  if (target.length === 0) return { caughtUp: true, behind: 0 };
  const topics = [...new Set(target.map((t) => t.topic))];
  const committed = new Map<string, bigint>();
  for (const entry of await admin.fetchOffsets({ groupId, topics })) {
    for (const p of entry.partitions) committed.set(`${entry.topic}/${p.partition}`, BigInt(p.offset));
  }
  let behind = 0n;
  for (const t of target) {
    const high = BigInt(t.high);
    const from = committed.get(`${t.topic}/${t.partition}`) ?? -1n;
    const position = from < 0n ? BigInt(t.low) : from;
    if (position < high) behind += high - position;
  }
  return { caughtUp: behind === 0n, behind: Number(behind) };
}
