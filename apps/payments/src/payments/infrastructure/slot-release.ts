import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ProviderSlot, ReleaseStats } from '../application/provider-pace';

/**
 * Lets paced calls out at their slots, on the thread that sends them (the provider thread,
 * infrastructure/provider-thread/). A slot is a moment of the budget the whole consumer group
 * shares: a call goes out at its slot, or up to a burst's worth of spacings after it (the timer
 * fired late, the thread stalled briefly — then the overdue calls go at once, at most a burst of
 * them, which the provider's own burst absorbs). A call whose slot passed longer ago is MISSED:
 * it is not sent and its caller takes a new slot. Sending it late instead would spend a moment
 * that belongs to the calls after it — or to another instance, whose calls then arrive together
 * with these (two instances whose senders caught up after a stall met a dozen refusals in a
 * two-second test). A missed slot is budget lost to the stall, which this counts.
 */
export class SlotRelease {
  private readonly due: { slot: ProviderSlot; go: (sent: boolean) => void }[] = [];
  private releasing = false;
  /** Ends the release loop's current sleep early (a call with an earlier slot arrived). */
  private wake: (() => void) | null = null;
  private released = 0;
  private missed = 0;
  private lostToStallsMs = 0;
  /** How late this thread's event loop runs: what spaces its calls unevenly (resolution 10 ms). */
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor(private readonly now: () => number = Date.now) {}

  /** Resolves true when the call of `slot` may go out, false when its slot was missed. */
  wait(slot: ProviderSlot): Promise<boolean> {
    if (this.released === 0 && this.missed === 0 && this.due.length === 0) this.loopDelay.enable();
    return new Promise<boolean>((go) => {
      // in slot order (slots are acquired in order; a slowed pace can only push later ones further)
      let at = this.due.length;
      while (at > 0 && this.due[at - 1].slot.atMs > slot.atMs) at--;
      this.due.splice(at, 0, { slot, go });
      if (at === 0) this.wake?.();
      void this.release();
    });
  }

  stats(): ReleaseStats {
    return {
      released: this.released,
      missed: this.missed,
      lostToStallsMs: Math.round(this.lostToStallsMs),
      eventLoopDelayMs: { p99: Math.round(this.loopDelay.percentile(99) / 1e6), max: Math.round(this.loopDelay.max / 1e6) },
    };
  }

  private async release(): Promise<void> {
    if (this.releasing) return;
    this.releasing = true;
    try {
      while (this.due.length > 0) {
        const delay = this.due[0].slot.atMs - this.now();
        if (delay >= 1) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => this.wake?.(), delay);
            this.wake = () => {
              clearTimeout(timer);
              this.wake = null;
              resolve();
            };
          });
          continue; // woken at the head's moment, or early by an earlier slot: look at the head again
        }
        const { slot, go } = this.due.shift()!;
        const lateMs = this.now() - slot.atMs;
        if (lateMs > toleranceMs(slot)) {
          this.missed++;
          this.lostToStallsMs += slot.spacingMs;
          go(false);
        } else {
          this.released++;
          go(true);
        }
      }
    } finally {
      this.releasing = false;
    }
  }
}

/** How late a call may still go out: a burst's worth of spacings (at least one). */
function toleranceMs(slot: ProviderSlot): number {
  return Math.max(1, Math.floor(slot.burst) - 1) * slot.spacingMs;
}
