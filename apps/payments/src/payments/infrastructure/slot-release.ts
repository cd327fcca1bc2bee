import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ProviderSlot, ReleaseStats } from '../application/provider-pace';

/**
 * Lets paced calls out at their slots, on the thread that sends them (the provider thread,
 * infrastructure/provider-thread/). Calls go out in slot order, each at its moment and at least
 * one spacing after the previous one — spaced from the previous SLOT, not from when a late timer
 * fired (a busy event loop fires a 10 ms timer at 12–15 ms; spacing from that lost a fifth of the
 * pace). When this thread stalls, at most `burst` of the calls whose moments passed go out at
 * once and the rest follow spaced: the provider counts arrivals, and a bunch larger than its
 * burst is what it refuses. A longer stall is lost beyond that burst, never caught up as one bunch.
 */
export class SlotRelease {
  private readonly due: { slot: ProviderSlot; go: () => void }[] = [];
  private releasing = false;
  private lastSlotMs = -Infinity;
  private released = 0;
  private lostToStallsMs = 0;
  /** How late this thread's event loop runs: what spaces its calls unevenly (resolution 10 ms). */
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor(private readonly now: () => number = Date.now) {}

  /** Resolves when the call of `slot` may go out. */
  wait(slot: ProviderSlot): Promise<void> {
    if (this.released === 0 && this.due.length === 0) this.loopDelay.enable();
    return new Promise<void>((go) => {
      // in slot order (slots are acquired in order; a slowed pace can only push later ones further)
      let at = this.due.length;
      while (at > 0 && this.due[at - 1].slot.atMs > slot.atMs) at--;
      this.due.splice(at, 0, { slot, go });
      void this.release();
    });
  }

  stats(): ReleaseStats {
    return {
      released: this.released,
      lostToStallsMs: Math.round(this.lostToStallsMs),
      eventLoopDelayMs: { p99: Math.round(this.loopDelay.percentile(99) / 1e6), max: Math.round(this.loopDelay.max / 1e6) },
    };
  }

  private async release(): Promise<void> {
    if (this.releasing) return;
    this.releasing = true;
    try {
      while (this.due.length > 0) {
        const { slot } = this.due[0];
        // (a slot `burst − 1` spacings in the past: that one and the next burst − 1 go at once, no more)
        const burstMs = (Math.max(1, Math.floor(slot.burst)) - 1) * slot.spacingMs;
        const earliest = Math.max(slot.atMs, this.lastSlotMs + slot.spacingMs);
        const at = Math.max(earliest, this.now() - burstMs);
        if (at > earliest && this.lastSlotMs > -Infinity) this.lostToStallsMs += at - earliest;
        const delay = at - this.now();
        if (delay >= 1) await new Promise((resolve) => setTimeout(resolve, delay));
        // a call whose slot is earlier may have arrived while this one waited: it goes first
        const next = this.due.shift()!;
        this.lastSlotMs = at;
        this.released++;
        next.go();
      }
    } finally {
      this.releasing = false;
    }
  }
}
