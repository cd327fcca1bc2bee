import { Logger } from './logger';

export interface PollLoopOptions {
  /**
   * One round of work; resolves true when there may be more to do at once (the next round starts
   * after `busyDelayMs`, without waiting for the interval). `signal` aborts when the loop stops: a
   * round that works through a list checks it between items.
   */
  tick: (signal: AbortSignal) => Promise<boolean>;
  intervalMs: number;
  /** Wait before the first round (default 0: start at once). */
  initialDelayMs?: number;
  /** Wait after a round that reported more work (default 0: the next round starts at once). */
  busyDelayMs?: number;
  /** Cap of the back-off after failed rounds (interval × 2^failures). Set it to `intervalMs` for no back-off. */
  maxBackoffMs?: number;
  logger: Logger;
  /** Logged with the error and the failure count when a round throws. */
  failureMessage: string;
  /** The level of that log line (default warn). */
  failureLevel?: 'warn' | 'error';
}

/**
 * The one background loop of the system (outbox relay, maintenance, schedulers, workers): runs
 * `tick` again at once (or after `busyDelayMs`) while it reports more work, otherwise every
 * `intervalMs`; backs off exponentially while rounds throw; `notify()` starts the next round now;
 * `stop()` waits for the round in flight.
 */
export class PollLoop {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private stopping = new AbortController();

  constructor(private readonly options: PollLoopOptions) {}

  /** Starts the loop; false when it was already running. */
  start(): boolean {
    if (this.running) return false;
    this.running = true;
    this.stopping = new AbortController();
    this.loop = this.run();
    return true;
  }

  /** Starts the next round now instead of at the next poll. */
  notify(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { tick, intervalMs, initialDelayMs = 0, busyDelayMs = 0, maxBackoffMs = 5000, logger, failureMessage, failureLevel = 'warn' } = this.options;
    const signal = this.stopping.signal;
    if (initialDelayMs > 0) await this.sleep(initialDelayMs);
    let failures = 0;
    while (this.running) {
      let more = false;
      try {
        more = await tick(signal);
        failures = 0;
      } catch (error) {
        failures += 1;
        logger[failureLevel]({ err: error, failures }, failureMessage);
      }
      if (!this.running) break;
      if (more) {
        if (busyDelayMs > 0) await this.sleep(busyDelayMs);
        continue;
      }
      await this.sleep(failures === 0 ? intervalMs : Math.min(maxBackoffMs, intervalMs * 2 ** failures));
    }
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }
}
