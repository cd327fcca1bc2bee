import { createHistogram } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { PaceReport, ProviderPace, ProviderSlot, ReleaseStats } from '../application/provider-pace';
import { DECREASE_INTERVAL_MS, PaceSettings, acquirePlan, nextRoundTrip, waitFor } from '../domain/provider-pace';

/** The bucket's state as one statement left it. */
export interface PaceRow {
  tokens: number;
  rate: number;
  maxRate: number;
}

/** An acquire's answer: the bucket after it, the wait for its last token, and when (database clock, epoch ms) it ran. */
export interface Acquired extends PaceRow {
  waitMs: number;
  atMs: number;
}

// domain/provider-pace.ts, in SQL: `c.now` is the database clock (or a test's time), `p` the row
// before the statement (every SET expression reads the old values).
const ELAPSED = `GREATEST(0, EXTRACT(EPOCH FROM c.now - p.updated_at))::float8`;
const INCREASING = `GREATEST(0, EXTRACT(EPOCH FROM c.now - GREATEST(p.updated_at, p.decreased_at + interval '${DECREASE_INTERVAL_MS} milliseconds')))::float8`;
const TOKENS = `LEAST(p.burst, p.tokens + p.rate * ${ELAPSED})`;
const RATE = `LEAST(p.max_rate, p.rate + p.increase_per_second * p.max_rate * ${INCREASING})`;
const DECREASE = `c.now >= p.decreased_at + interval '${DECREASE_INTERVAL_MS} milliseconds'`;
const CLOCK = `(SELECT COALESCE($2::timestamptz, clock_timestamp()) AS now) c`;

/**
 * The shared token bucket: one `provider_pace` row per limiter, changed by exactly one atomic
 * UPDATE … RETURNING per acquire (the row lock orders concurrent instances), with the database's
 * clock — so every instance of the consumer group, whichever partitions it owns and however often
 * they move, takes from the same budget. `at` (tests only) replaces the clock.
 */
export class PostgresPaceBucket {
  private ready?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    readonly limiter: string,
    readonly settings: PaceSettings,
  ) {}

  /** Creates the row, or applies this instance's settings to it (the rate never above the budget). */
  ensure(): Promise<void> {
    this.ready ??= this.dataSource
      .query(
        `INSERT INTO provider_pace (limiter, tokens, rate, max_rate, burst, floor_rate, increase_per_second, updated_at)
         VALUES ($1, $3, $2, $2, $3, $4, $5, clock_timestamp())
         ON CONFLICT (limiter) DO UPDATE SET
           max_rate = EXCLUDED.max_rate, burst = EXCLUDED.burst, floor_rate = EXCLUDED.floor_rate,
           increase_per_second = EXCLUDED.increase_per_second,
           rate = LEAST(provider_pace.rate, EXCLUDED.max_rate), tokens = LEAST(provider_pace.tokens, EXCLUDED.burst)`,
        [this.limiter, this.settings.maxRate, this.settings.burst, this.settings.floorRate, this.settings.increasePerSecond],
      )
      .then(() => undefined)
      .catch((error: unknown) => {
        this.ready = undefined;
        throw error;
      });
    return this.ready;
  }

  /** Takes `count` tokens; the calls go out after `waitMs`. */
  async acquire(count: number, at?: Date): Promise<Acquired> {
    await this.ensure();
    const row = await this.update(
      `tokens = ${TOKENS} - $3, rate = ${RATE}, updated_at = GREATEST(p.updated_at, c.now)`,
      [count],
      at,
    );
    return { ...row, waitMs: waitFor(row.tokens, row.rate) };
  }

  /** A 429: cut the rate by this instance's decrease factor (once per second at most) and drop the saved-up burst. */
  async slowDown(at?: Date): Promise<PaceRow & { atMs: number }> {
    await this.ensure();
    return this.update(
      `tokens = LEAST(0, ${TOKENS}),
       rate = CASE WHEN ${DECREASE} THEN GREATEST(p.floor_rate, ${RATE} * $3::float8) ELSE ${RATE} END,
       decreased_at = CASE WHEN ${DECREASE} THEN c.now ELSE p.decreased_at END,
       updated_at = GREATEST(p.updated_at, c.now)`,
      [this.settings.decreaseFactor],
      at,
    );
  }

  /** The row as it is (null before the first call). */
  async read(): Promise<PaceRow | null> {
    const rows: { tokens: number; rate: number; max_rate: number }[] = await this.dataSource.query(
      'SELECT tokens, rate, max_rate FROM provider_pace WHERE limiter = $1',
      [this.limiter],
    );
    return rows[0] ? { tokens: rows[0].tokens, rate: rows[0].rate, maxRate: rows[0].max_rate } : null;
  }

  private async update(set: string, params: unknown[], at?: Date): Promise<PaceRow & { atMs: number }> {
    // TypeORM answers an UPDATE … RETURNING through pg as [rows, affectedCount].
    const [rows]: [{ tokens: number; rate: number; max_rate: number; at_ms: number }[], number] = await this.dataSource.query(
      `UPDATE provider_pace p SET ${set} FROM ${CLOCK} WHERE p.limiter = $1
       RETURNING p.tokens, p.rate, p.max_rate, (EXTRACT(EPOCH FROM c.now) * 1000)::float8 AS at_ms`,
      [this.limiter, at?.toISOString() ?? null, ...params],
    );
    if (rows.length !== 1) throw new Error(`provider_pace row ${this.limiter} is missing`);
    return { tokens: rows[0].tokens, rate: rows[0].rate, maxRate: rows[0].max_rate, atMs: rows[0].at_ms };
  }
}

/**
 * The slots of this process's provider calls over the shared bucket. Calls that are ready at the
 * same moment are taken together (one UPDATE for a group sized to the statement's round trip:
 * domain acquirePlan), one statement after another — so a process's calls are granted in order.
 * Each call gets the moment its token is paid for (its slot), a quarter second to a second ahead
 * (acquirePlan's horizon), and is handed to its sender, which lets it out then (slot-release.ts).
 * The calls are sent by a thread of their own (provider-thread/): a stall of this thread shorter
 * than the horizon costs no slot. Slots taken far ahead lie in one block, but a sender that
 * misses them does not send late into the next block (another instance's): it takes new ones.
 */
export class PostgresProviderPace implements ProviderPace {
  /** Calls waiting for tokens, by turn (then arrival). */
  private readonly waiting: { turn: number; grant: (slot: ProviderSlot) => void; fail: (error: unknown) => void }[] = [];
  private pumping = false;
  /** The latest slot granted: nothing of this process is ahead once it has passed. */
  private lastSlotMs = -Infinity;
  private granted = 0;
  private idleMs = 0;
  private idleSinceMs: number | null = null;
  /** Milliseconds by which slots were already past when their statement answered (a slow round trip). */
  private grantedLateMs = 0;
  /** Round trips of the acquiring statement, in milliseconds. */
  private readonly acquireMs = createHistogram();
  /** Running estimate of that round trip (what sizes the next statement and the horizon). */
  private roundTripMs = 20;

  constructor(
    readonly bucket: PostgresPaceBucket,
    private readonly releaseStats: () => Promise<ReleaseStats>,
    private readonly heartbeatEveryMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  async take(heartbeat: () => Promise<void>, turn = Number.MAX_SAFE_INTEGER): Promise<ProviderSlot> {
    this.noteBusy();
    const granted = new Promise<ProviderSlot>((grant, fail) => {
      // after every waiter of the same or an earlier turn
      let at = this.waiting.length;
      while (at > 0 && this.waiting[at - 1].turn > turn) at--;
      this.waiting.splice(at, 0, { turn, grant, fail });
    });
    void this.pump();
    const beat = setInterval(() => void heartbeat().catch(() => undefined), this.heartbeatEveryMs);
    try {
      return await granted;
    } finally {
      clearInterval(beat);
    }
  }

  async slowDown(): Promise<void> {
    await this.bucket.slowDown();
  }

  async current(): Promise<PaceReport | null> {
    const [row, release] = await Promise.all([this.bucket.read(), this.releaseStats()]);
    const idleMs = this.idleMs + (this.idleSinceMs === null ? 0 : Math.max(0, this.now() - this.idleSinceMs));
    const trips = this.acquireMs;
    const acquireMs = trips.count === 0 ? { p50: 0, p99: 0, max: 0 } : { p50: trips.percentile(50), p99: trips.percentile(99), max: trips.max };
    return (
      row && {
        ratePerSecond: row.rate,
        budgetPerSecond: row.maxRate,
        thisProcess: { granted: this.granted, idleMs: Math.round(idleMs), grantedLateMs: Math.round(this.grantedLateMs), acquireMs, ...release },
      }
    );
  }

  /** Nothing waiting: the idle clock runs from the last slot granted until the next take. */
  private noteIdle(): void {
    if (this.idleSinceMs === null && this.waiting.length === 0) this.idleSinceMs = Math.max(this.now(), this.lastSlotMs);
  }

  private noteBusy(): void {
    if (this.idleSinceMs !== null) this.idleMs += Math.max(0, this.now() - this.idleSinceMs);
    this.idleSinceMs = null;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting.length > 0) {
        const plan = acquirePlan(this.bucket.settings, this.roundTripMs);
        const aheadMs = this.lastSlotMs - this.now();
        if (aheadMs > plan.horizonMs) await new Promise((resolve) => setTimeout(resolve, aheadMs - plan.horizonMs));
        const burst = Math.max(1, Math.floor(this.bucket.settings.burst));
        const group = this.waiting.splice(0, plan.tokens);
        try {
          const sentAt = this.now();
          const acquired = await this.bucket.acquire(group.length);
          const answeredAt = this.now();
          this.acquireMs.record(Math.max(1, Math.round(answeredAt - sentAt)));
          this.roundTripMs = nextRoundTrip(this.roundTripMs, answeredAt - sentAt);
          // The debt of the group's last token is paid waitMs after the statement RAN (the bucket's
          // own clock, not when it was sent: counted from the send, a statement that queued 150 ms
          // in a busy server granted slots 150 ms early); token i's was paid (k−1−i)/rate earlier.
          const spacingMs = 1000 / acquired.rate;
          group.forEach((waiter, i) => {
            const atMs = acquired.atMs + Math.max(0, acquired.waitMs - (group.length - 1 - i) * spacingMs);
            this.lastSlotMs = Math.max(this.lastSlotMs, atMs);
            this.granted++;
            this.grantedLateMs += Math.max(0, answeredAt - atMs);
            waiter.grant({ atMs, spacingMs, burst });
          });
        } catch (error) {
          group.forEach((w) => w.fail(error));
        }
      }
    } finally {
      this.pumping = false;
      this.noteIdle(); // a failed acquire leaves nothing waiting
    }
  }
}
