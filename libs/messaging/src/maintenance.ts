import { DataSource } from 'typeorm';
import { Logger } from './logger';
import { PollLoop } from './poll-loop';

/**
 * The VACUUM option for the services' own vacuums: no parallel workers. PostgreSQL vacuums the
 * indexes of a table with two or more indexes over 512 kB in parallel workers, and starting one
 * costs a backend start each time: on an idle server, 250-450 ms for a vacuum of a pruned outbox
 * that takes 50-130 ms serially (VACUUM VERBOSE, 2026-12-02). During a close it made no
 * measurable difference: there the vacuum's own reading of the outbox dominated, which the
 * relay's cadence (outbox.ts, `vacuumIfDue`) addresses.
 */
export const SERIAL_VACUUM = 'PARALLEL 0';

/**
 * Deletes up to `batchSize` outbox rows published before `before`; returns how many. Unpublished
 * rows are never touched, however old. One short statement: it locks only the rows it deletes.
 */
export async function pruneOutboxBatch(dataSource: DataSource, before: Date, batchSize: number): Promise<number> {
  return affected(
    await dataSource.query(
      `DELETE FROM outbox WHERE id = ANY(ARRAY(
         SELECT id FROM outbox WHERE published_at IS NOT NULL AND published_at < $1 ORDER BY published_at LIMIT $2))`,
      [before, batchSize],
    ),
  );
}

/** Deletes up to `batchSize` inbox ids handled before `before`; returns how many. */
export async function pruneInboxBatch(dataSource: DataSource, before: Date, batchSize: number): Promise<number> {
  return affected(
    await dataSource.query(
      `DELETE FROM inbox WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM inbox WHERE handled_at < $1 ORDER BY handled_at LIMIT $2))`,
      [before, batchSize],
    ),
  );
}

/** TypeORM's postgres driver answers a DELETE with [rows, affected count]. */
function affected(result: unknown): number {
  return Array.isArray(result) ? Number(result[1] ?? 0) : 0;
}

interface TableActivity {
  table: string;
  live: number;
  dead: number;
  modifiedSinceAnalyze: number;
  insertedSinceVacuum: number;
}

/**
 * What autovacuum would do now with its default thresholds (PostgreSQL 15): VACUUM a table with
 * more dead rows than 50 + 20 % of its live rows, or more inserts since its last vacuum than
 * 1000 + 20 % (sets the visibility map: index-only scans); ANALYZE one with more changes since
 * its last analyse than 50 + 10 %. Thresholds proportional to the table keep the total work
 * linear in the rows written.
 */
export function maintenanceDue(t: TableActivity): 'vacuum' | 'analyze' | null {
  if (t.dead > 50 + 0.2 * t.live || t.insertedSinceVacuum > 1000 + 0.2 * t.live) return 'vacuum';
  if (t.modifiedSinceAnalyze > 50 + 0.1 * t.live) return 'analyze';
  return null;
}

/** VACUUMs or ANALYZEs this database's tables that autovacuum would; returns what it did. */
export async function vacuumDueTables(dataSource: DataSource): Promise<{ table: string; action: 'vacuum' | 'analyze' }[]> {
  const rows: { table: string; live: string; dead: string; mods: string; ins: string }[] = await dataSource.query(
    `SELECT relname AS table, n_live_tup AS live, n_dead_tup AS dead, n_mod_since_analyze AS mods, n_ins_since_vacuum AS ins
     FROM pg_stat_user_tables WHERE schemaname = current_schema() ORDER BY relname`,
  );
  const done: { table: string; action: 'vacuum' | 'analyze' }[] = [];
  for (const r of rows) {
    const action = maintenanceDue({
      table: r.table,
      live: Number(r.live),
      dead: Number(r.dead),
      modifiedSinceAnalyze: Number(r.mods),
      insertedSinceVacuum: Number(r.ins),
    });
    if (!action) continue;
    const name = `"${r.table.replace(/"/g, '""')}"`;
    await dataSource.query(action === 'vacuum' ? `VACUUM (ANALYZE, ${SERIAL_VACUUM}) ${name}` : `ANALYZE ${name}`);
    done.push({ table: r.table, action });
  }
  return done;
}

export interface MessagingMaintenanceOptions {
  dataSource: DataSource;
  logger: Logger;
  outboxRetentionMs: number;
  inboxRetentionMs: number;
  intervalMs: number;
  batchSize: number;
  /** Batches per table per round at most, so a large backlog is worked off over several rounds. */
  maxBatchesPerRound?: number;
  /** VACUUM/ANALYZE this database's tables by autovacuum's thresholds (for a server without autovacuum). */
  selfVacuum: boolean;
}

/**
 * The service's own housekeeping, on a poll loop: prunes published outbox rows and inbox ids
 * past their retention in small batches, and — when the server does not — vacuums and analyses
 * the service's tables. The first round comes one interval after start, so that consumers that
 * resume after a restart re-handle their uncommitted tail (its inbox ids are what drops it)
 * before any inbox id goes.
 *
 * Ages are measured on the database's clock, the one that stamped `handled_at` and
 * `published_at` (`now()`), never on the service's business clock: that clock may run ahead
 * (a test closing next month, a replay), and an inbox id pruned the moment it was written no
 * longer drops a redelivery.
 */
export class MessagingMaintenance {
  private readonly loop: PollLoop;

  constructor(private readonly options: MessagingMaintenanceOptions) {
    this.loop = new PollLoop({
      tick: () => this.runOnce().then(() => false),
      intervalMs: options.intervalMs,
      initialDelayMs: options.intervalMs,
      maxBackoffMs: Math.max(options.intervalMs, 60_000),
      logger: options.logger,
      failureMessage: 'messaging maintenance failed; will retry',
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** One round: prune both tables, then vacuum what is due. */
  async runOnce(): Promise<{ outbox: number; inbox: number; maintained: { table: string; action: string }[] }> {
    const { dataSource, outboxRetentionMs, inboxRetentionMs, batchSize, maxBatchesPerRound = 100, logger } = this.options;
    const [{ now: databaseNow }]: { now: Date }[] = await dataSource.query('SELECT now() AS now');
    const now = databaseNow.getTime();
    const prune = async (batch: (ds: DataSource, before: Date, size: number) => Promise<number>, retentionMs: number) => {
      const before = new Date(now - retentionMs);
      let total = 0;
      for (let i = 0; i < maxBatchesPerRound; i++) {
        const deleted = await batch(dataSource, before, batchSize);
        total += deleted;
        if (deleted < batchSize) break;
      }
      return total;
    };
    const outbox = await prune(pruneOutboxBatch, outboxRetentionMs);
    const inbox = await prune(pruneInboxBatch, inboxRetentionMs);
    const maintained = this.options.selfVacuum ? await vacuumDueTables(dataSource) : [];
    if (outbox > 0 || inbox > 0 || maintained.length > 0) {
      logger.info({ prunedOutbox: outbox, prunedInbox: inbox, maintained }, 'messaging maintenance');
    }
    return { outbox, inbox, maintained };
  }
}
