import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ServiceRuntime } from '@billing/messaging';
import { PlaceDueHolds } from '../application/place-due-holds/place-due-holds';
import { RequestDueRetries } from '../application/request-due-retries/request-due-retries';
import { SCHEDULER_SETTINGS, SchedulerSettings } from '../application/settings';

/**
 * The time trigger of collections: every `pollMs` it requests the due retries and places the
 * holds whose grace has passed. All its state is in PostgreSQL (a restarted process picks up
 * where the dead one stopped) and every instance may run it: claims use FOR UPDATE SKIP LOCKED,
 * so two instances never emit the same retry or hold. A full batch is followed at once by the next.
 */
@Injectable()
export class DunningScheduler implements OnModuleInit, OnModuleDestroy {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly requestDueRetries: RequestDueRetries,
    private readonly placeDueHolds: PlaceDueHolds,
    @Inject(SCHEDULER_SETTINGS) private readonly settings: SchedulerSettings,
  ) {}

  /**
   * Starts at module init, not at bootstrap: the database is open by then, and the loop must not
   * wait for the Kafka consumers to join their group (after a crash that can take a session timeout).
   */
  onModuleInit(): void {
    if (this.settings.enabled) this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    this.runtime.logger.info({ pollMs: this.settings.pollMs, batchSize: this.settings.batchSize }, 'dunning scheduler started');
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** One pass: due retries, then due holds. Returns how many rows each claimed. */
  async tick(): Promise<{ retries: number; holds: number }> {
    const retries = await this.requestDueRetries.execute(this.settings.batchSize);
    const holds = await this.placeDueHolds.execute(this.settings.batchSize);
    if (retries + holds > 0) this.runtime.relay?.notify();
    return { retries, holds };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const { retries, holds } = await this.tick();
        failures = 0;
        if (retries >= this.settings.batchSize || holds >= this.settings.batchSize) continue;
      } catch (error) {
        failures += 1;
        this.runtime.logger.warn({ err: error, failures }, 'dunning scheduler tick failed; will retry');
      }
      const delay = failures === 0 ? this.settings.pollMs : Math.min(30_000, this.settings.pollMs * 2 ** failures);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
