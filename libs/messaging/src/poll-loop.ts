import { Logger } from './logger';

export interface PollLoopOptions {
  /** One round of work; resolves true when there may be more to do at once (the next round starts without waiting). */
  tick: () => Promise<boolean>;
  intervalMs: number;
  /** Wait before the first round (default 0: start at once). */
  initialDelayMs?: number;
  /** Cap of the back-off after failed rounds (interval × 2^failures). */
  maxBackoffMs?: number;
  logger: Logger;
  /** Logged (warn) with the error and the failure count when a round throws. */
  failureMessage: string;
}

/**
 * A background loop of rounds: runs `tick` again at once while it reports more work, otherwise
 * every `intervalMs`; backs off exponentially while rounds throw; `notify()` starts the next round
 * now; `stop()` waits for the round in flight.
 */
export class PollLoop {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(private readonly options: PollLoopOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Starts the next round now instead of at the next poll. */
  notify(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { tick, intervalMs, initialDelayMs = 0, maxBackoffMs = 5000, logger, failureMessage } = this.options;
    if (initialDelayMs > 0) await this.sleep(initialDelayMs);
    let failures = 0;
    while (this.running) {
      try {
        const more = await tick();
        failures = 0;
        if (more) continue;
      } catch (error) {
        failures += 1;
        logger.warn({ err: error, failures }, failureMessage);
      }
      if (!this.running) break;
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
