/**
 * What PostgreSQL did for a set of databases, from the server's own cumulative statistics
 * (pg_stat_user_tables, pg_statio_user_tables, pg_stat_database): no extension needed, so it
 * works where pg_stat_statements is not preloaded.
 *
 *   npm run pg-stats -- snapshot --out before.json [--databases a,b | --suffix S]
 *   npm run pg-stats -- diff before.json after.json [--accounts N] [--top 12]
 *   npm run pg-stats -- show [--databases a,b | --suffix S] [--top 12]
 *
 * Databases default to the five service databases (`billing_<service><suffix>`). `diff` prints the
 * tables that read the most (sequential tuples read, buffer hits) and that left the most dead
 * tuples between the two snapshots, per account when `--accounts` is given: a figure per account
 * that grows with the number of accounts is work that grows faster than the close.
 * The benchmark takes these snapshots around every close (`pgStats` in its JSON).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Client } from 'pg';
import { databaseUrl } from '@billing/messaging';

/** Counters of one table; all cumulative except `liveTuples`, `deadTuples` and `bytes`. */
export interface TableStats {
  seqScan: number;
  seqTupRead: number;
  idxScan: number;
  idxTupFetch: number;
  inserted: number;
  updated: number;
  hotUpdated: number;
  deleted: number;
  liveTuples: number;
  deadTuples: number;
  heapBlksHit: number;
  heapBlksRead: number;
  idxBlksHit: number;
  idxBlksRead: number;
  bytes: number;
}

export interface DatabaseStats {
  /** Buffers found in shared buffers / read from the OS, for the whole database. */
  blksHit: number;
  blksRead: number;
  tupReturned: number;
  tupFetched: number;
  commits: number;
  tables: Record<string, TableStats>;
}

/**
 * Server-wide counters (pg_stat_wal, pg_stat_bgwriter): what the close cost in WAL and
 * checkpoints. A full-page image is the whole 8 kB page written to WAL (and, with
 * `wal_compression`, compressed) the first time a page changes after a checkpoint, so their
 * number per account grows when a longer close spans more checkpoints.
 */
export interface ServerStats {
  walRecords: number;
  walFullPageImages: number;
  walBytes: number;
  checkpointsTimed: number;
  checkpointsRequested: number;
  buffersWrittenByCheckpoints: number;
  buffersWrittenByBackends: number;
}

export interface PgSnapshot {
  at: string;
  /** Absent in snapshots taken before these counters were recorded. */
  server?: ServerStats;
  databases: Record<string, DatabaseStats>;
}

const SERVER_SQL = `
  SELECT w.wal_records, w.wal_fpi, w.wal_bytes, b.checkpoints_timed, b.checkpoints_req,
         b.buffers_checkpoint, b.buffers_backend
  FROM pg_stat_wal w, pg_stat_bgwriter b`;

async function serverStats(client: Client): Promise<ServerStats> {
  const [r] = (await client.query(SERVER_SQL)).rows;
  return {
    walRecords: Number(r.wal_records),
    walFullPageImages: Number(r.wal_fpi),
    walBytes: Number(r.wal_bytes),
    checkpointsTimed: Number(r.checkpoints_timed),
    checkpointsRequested: Number(r.checkpoints_req),
    buffersWrittenByCheckpoints: Number(r.buffers_checkpoint),
    buffersWrittenByBackends: Number(r.buffers_backend),
  };
}

const TABLES_SQL = `
  SELECT t.relname AS name, t.seq_scan, t.seq_tup_read, coalesce(t.idx_scan, 0) AS idx_scan,
         coalesce(t.idx_tup_fetch, 0) AS idx_tup_fetch, t.n_tup_ins, t.n_tup_upd, t.n_tup_hot_upd, t.n_tup_del,
         t.n_live_tup, t.n_dead_tup, coalesce(io.heap_blks_hit, 0) AS heap_blks_hit,
         coalesce(io.heap_blks_read, 0) AS heap_blks_read, coalesce(io.idx_blks_hit, 0) AS idx_blks_hit,
         coalesce(io.idx_blks_read, 0) AS idx_blks_read, pg_total_relation_size(t.relid) AS bytes
  FROM pg_stat_user_tables t JOIN pg_statio_user_tables io USING (relid)`;

/** Cumulative statistics of each database (a database that does not exist is left out). */
export async function snapshot(serverUrl: string, databases: readonly string[]): Promise<PgSnapshot> {
  const result: PgSnapshot = { at: new Date().toISOString(), databases: {} };
  for (const database of databases) {
    const client = new Client({ connectionString: databaseUrl(serverUrl, database) });
    try {
      await client.connect();
    } catch {
      continue;
    }
    try {
      await client.query('SELECT pg_stat_clear_snapshot()');
      result.server ??= await serverStats(client);
      const [db] = (
        await client.query(
          `SELECT blks_hit, blks_read, tup_returned, tup_fetched, xact_commit FROM pg_stat_database WHERE datname = current_database()`,
        )
      ).rows;
      const tables: Record<string, TableStats> = {};
      for (const r of (await client.query(TABLES_SQL)).rows) {
        tables[r.name] = {
          seqScan: Number(r.seq_scan),
          seqTupRead: Number(r.seq_tup_read),
          idxScan: Number(r.idx_scan),
          idxTupFetch: Number(r.idx_tup_fetch),
          inserted: Number(r.n_tup_ins),
          updated: Number(r.n_tup_upd),
          hotUpdated: Number(r.n_tup_hot_upd),
          deleted: Number(r.n_tup_del),
          liveTuples: Number(r.n_live_tup),
          deadTuples: Number(r.n_dead_tup),
          heapBlksHit: Number(r.heap_blks_hit),
          heapBlksRead: Number(r.heap_blks_read),
          idxBlksHit: Number(r.idx_blks_hit),
          idxBlksRead: Number(r.idx_blks_read),
          bytes: Number(r.bytes),
        };
      }
      result.databases[database] = {
        blksHit: Number(db.blks_hit),
        blksRead: Number(db.blks_read),
        tupReturned: Number(db.tup_returned),
        tupFetched: Number(db.tup_fetched),
        commits: Number(db.xact_commit),
        tables,
      };
    } finally {
      await client.end();
    }
  }
  return result;
}

/** Gauges are taken from `after`; counters are the difference (a table new since `before` counts from 0). */
const GAUGES = new Set<keyof TableStats>(['liveTuples', 'deadTuples', 'bytes']);

export interface TableDelta extends TableStats {
  database: string;
  table: string;
}

export interface PgDelta {
  tables: TableDelta[];
  databases: Record<string, Omit<DatabaseStats, 'tables'>>;
  server?: ServerStats;
}

export function diff(before: PgSnapshot, after: PgSnapshot): PgDelta {
  const tables: TableDelta[] = [];
  const databases: Record<string, Omit<DatabaseStats, 'tables'>> = {};
  for (const [database, a] of Object.entries(after.databases)) {
    const b = before.databases[database];
    databases[database] = {
      blksHit: a.blksHit - (b?.blksHit ?? 0),
      blksRead: a.blksRead - (b?.blksRead ?? 0),
      tupReturned: a.tupReturned - (b?.tupReturned ?? 0),
      tupFetched: a.tupFetched - (b?.tupFetched ?? 0),
      commits: a.commits - (b?.commits ?? 0),
    };
    for (const [table, stats] of Object.entries(a.tables)) {
      const prior = b?.tables[table];
      const delta = { database, table } as TableDelta;
      for (const key of Object.keys(stats) as (keyof TableStats)[]) {
        delta[key] = GAUGES.has(key) ? stats[key] : stats[key] - (prior?.[key] ?? 0);
      }
      tables.push(delta);
    }
  }
  const [b, a] = [before.server, after.server];
  const server =
    a && b ? (Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - b[k as keyof ServerStats]])) as unknown as ServerStats) : undefined;
  return { tables, databases, server };
}

const fmt = (n: number, per: number) => (per === 1 ? String(n) : (n / per).toFixed(n / per < 10 ? 2 : 1));

/** A report of the busiest tables: by tuples read sequentially, by buffer hits, by dead tuples left. */
export function report(delta: PgDelta, options: { accounts?: number; top?: number } = {}): string {
  const per = options.accounts ?? 1;
  const top = options.top ?? 12;
  const unit = per === 1 ? '' : ' per account';
  const lines: string[] = [];
  const dbTotals = Object.entries(delta.databases)
    .map(([db, d]) => `${db} ${fmt(d.blksHit + d.blksRead, per)}`)
    .join(', ');
  lines.push(`buffer accesses${unit} by database: ${dbTotals}`);
  const w = delta.server;
  if (w) {
    lines.push(
      `server: WAL ${(w.walBytes / 1_048_576).toFixed(0)} MB in ${w.walRecords} records, ${w.walFullPageImages} full-page images` +
        ` (${fmt(w.walFullPageImages, per)}${unit}); checkpoints ${w.checkpointsTimed} timed + ${w.checkpointsRequested} requested,` +
        ` buffers written by checkpoints ${w.buffersWrittenByCheckpoints}, by backends ${w.buffersWrittenByBackends}`,
    );
  }
  const columns = (t: TableDelta) =>
    [
      `${t.database}.${t.table}`.padEnd(44),
      `seq_scan ${fmt(t.seqScan, per)}`.padEnd(18),
      `seq_tup_read ${fmt(t.seqTupRead, per)}`.padEnd(24),
      `idx_scan ${fmt(t.idxScan, per)}`.padEnd(18),
      `blks_hit ${fmt(t.heapBlksHit + t.idxBlksHit, per)}`.padEnd(20),
      `upd ${fmt(t.updated, per)} (hot ${fmt(t.hotUpdated, per)})`.padEnd(24),
      `dead ${t.deadTuples} live ${t.liveTuples}`,
    ].join(' ');
  const section = (title: string, key: (t: TableDelta) => number) => {
    lines.push(title);
    for (const t of [...delta.tables].sort((x, y) => key(y) - key(x)).slice(0, top)) if (key(t) > 0) lines.push(`  ${columns(t)}`);
  };
  section(`tables by tuples read in sequential scans${unit}:`, (t) => t.seqTupRead);
  section(`tables by buffer hits (heap + index)${unit}:`, (t) => t.heapBlksHit + t.idxBlksHit);
  section('tables by dead tuples left (without autovacuum nothing reclaims them):', (t) => t.deadTuples);
  return lines.join('\n');
}

/** One statement's work in pg_stat_statements (times in ms), summed over the databases asked for. */
export interface StatementStats {
  database: string;
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  rows: number;
  /** Shared buffers read from the OS (not found in shared buffers). */
  blksRead: number;
}

/** Runs `work` on a connection of its own to `serverUrl`, closed afterwards. */
async function withClient<T>(serverUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Whether the server collects per-statement statistics (pg_stat_statements preloaded and created
 * in the database of `serverUrl`): the machine's CI server does not; infra/postgres does.
 */
export function statementsAvailable(serverUrl: string): Promise<boolean> {
  return withClient(serverUrl, (client) =>
    client.query('SELECT 1 FROM pg_stat_statements LIMIT 1').then(
      () => true,
      () => false,
    ),
  );
}

/**
 * Writes every dirty buffer now (CHECKPOINT; needs a superuser, as both of the project's servers
 * have). The benchmark calls it before a close, so the writes and full-page images owed to the
 * seeding are not counted as the close's: after 17 minutes of seeding a 100,000-account close
 * would otherwise pay a checkpoint of the seeding's pages, and a 10,000-account close, after
 * under two, would not. Returns false when the server refused.
 */
export async function checkpoint(serverUrl: string): Promise<boolean> {
  return withClient(serverUrl, (client) => client.query('CHECKPOINT')).then(
    () => true,
    () => false,
  );
}

/** Forgets every statement's statistics (so the next read covers only what ran since). */
export async function resetStatements(serverUrl: string): Promise<void> {
  await withClient(serverUrl, (client) => client.query('SELECT pg_stat_statements_reset()'));
}

/** The `top` statements by total execution time in these databases since the last reset. */
export async function topStatements(serverUrl: string, databases: readonly string[], top: number): Promise<StatementStats[]> {
  const { rows } = await withClient(serverUrl, (client) =>
    client.query(
      `SELECT d.datname AS database, s.query, sum(s.calls) AS calls, sum(s.total_exec_time) AS total_ms,
              sum(s.rows) AS rows, sum(s.shared_blks_read) AS blks_read
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
       WHERE d.datname = ANY($1::text[])
       GROUP BY d.datname, s.query ORDER BY total_ms DESC LIMIT $2`,
      [databases, top],
    ),
  );
  return rows.map((r) => ({
    database: r.database,
    query: String(r.query).replace(/\s+/g, ' ').slice(0, 240),
    calls: Number(r.calls),
    totalMs: Math.round(Number(r.total_ms)),
    meanMs: Number((Number(r.total_ms) / Math.max(1, Number(r.calls))).toFixed(3)),
    rows: Number(r.rows),
    blksRead: Number(r.blks_read),
  }));
}

/** A report of the statements that took the most time. */
export function statementsReport(statements: readonly StatementStats[]): string {
  const lines = ['statements by total time (pg_stat_statements):'];
  for (const s of statements) {
    lines.push(`  ${String(s.totalMs).padStart(7)} ms ${String(s.calls).padStart(7)} calls ${s.database.padEnd(22)} ${s.query.slice(0, 110)}`);
  }
  return lines.join('\n');
}

/** CPU seconds (user + system) a process has used so far, from /proc (USER_HZ 100); null once it is gone. */
function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * PostgreSQL's CPU by what each process served: a client backend by its database, an autovacuum
 * worker by its database too (`billing_x (autovacuum worker)`), the others by their kind
 * (checkpointer, walwriter...). Sampled from pg_stat_activity and /proc: a process already running
 * at the first sample counts from there, a later one from 0, and one that exits counts up to its
 * last sample, so short-lived processes (an autovacuum worker's single table) are undercounted;
 * the server's total, measured separately, has them all. Only meaningful where the server runs on
 * this machine.
 */
export class CpuByProcess {
  private readonly seen = new Map<number, { group: string; first: number; last: number }>();
  private client: Client | null = null;
  private samples = 0;

  constructor(private readonly serverUrl: string) {}

  async sample(): Promise<void> {
    if (!this.client) {
      this.client = new Client({ connectionString: this.serverUrl });
      await this.client.connect();
    }
    const rows: { pid: number; datname: string | null; backend_type: string }[] = (
      await this.client.query('SELECT pid, datname, backend_type FROM pg_stat_activity')
    ).rows;
    for (const r of rows) {
      const cpu = processCpuSeconds(r.pid);
      if (cpu === null) continue;
      const group = r.backend_type === 'client backend' ? (r.datname ?? 'client backend') : r.datname ? `${r.datname} (${r.backend_type})` : r.backend_type;
      const known = this.seen.get(r.pid);
      if (known) known.last = cpu;
      else this.seen.set(r.pid, { group, first: this.samples === 0 ? cpu : 0, last: cpu });
    }
    this.samples++;
  }

  /** CPU seconds by group since the first sample, largest first. */
  async finish(): Promise<Record<string, number>> {
    await this.sample().catch(() => undefined);
    await this.client?.end().catch(() => undefined);
    this.client = null;
    const byGroup = new Map<string, number>();
    for (const { group, first, last } of this.seen.values()) byGroup.set(group, (byGroup.get(group) ?? 0) + last - first);
    return Object.fromEntries([...byGroup].sort((a, b) => b[1] - a[1]).map(([g, sec]) => [g, Number(sec.toFixed(1))]));
  }
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const SERVICES = ['invoicing', 'payments', 'notifications', 'collections', 'reporting'];

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
  const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const databases = arg('databases')?.split(',') ?? SERVICES.map((s) => `billing_${s}${arg('suffix') ?? process.env.DATABASE_SUFFIX ?? ''}`);
  const accounts = arg('accounts') === undefined ? undefined : Number(arg('accounts'));
  const top = Number(arg('top') ?? 12);
  if (command === 'snapshot') {
    const out = arg('out');
    if (!out) throw new Error('snapshot needs --out <file>');
    writeFileSync(out, JSON.stringify(await snapshot(serverUrl, databases), null, 2));
  } else if (command === 'diff' && rest.length === 2) {
    const [before, after] = rest.map((file) => JSON.parse(readFileSync(file, 'utf8')) as PgSnapshot);
    console.log(report(diff(before, after), { accounts, top }));
  } else if (command === 'show') {
    console.log(report(diff({ at: '', databases: {} }, await snapshot(serverUrl, databases)), { accounts, top }));
  } else {
    throw new Error('usage: pg-stats snapshot --out F | diff BEFORE AFTER [--accounts N] | show  [--databases a,b | --suffix S] [--top N]');
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
