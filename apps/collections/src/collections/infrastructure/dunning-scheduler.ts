import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PollLoop, ServiceRuntime } from '@billing/messaging';
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
  private readonly loop: PollLoop;

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly requestDueRetries: RequestDueRetries,
    private readonly placeDueHolds: PlaceDueHolds,
    @Inject(SCHEDULER_SETTINGS) private readonly settings: SchedulerSettings,
  ) {
    this.loop = new PollLoop({
      tick: async () => {
        const { retries, holds } = await this.tick();
        return retries >= settings.batchSize || holds >= settings.batchSize;
      },
      intervalMs: settings.pollMs,
      maxBackoffMs: 30_000,
      logger: runtime.logger,
      failureMessage: 'dunning scheduler tick failed; will retry',
    });
  }

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
    if (!this.loop.start()) return;
    this.runtime.logger.info({ pollMs: this.settings.pollMs, batchSize: this.settings.batchSize }, 'dunning scheduler started');
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** One pass: due retries, then due holds. Returns how many rows each claimed. */
  async tick(): Promise<{ retries: number; holds: number }> {
    const retries = await this.requestDueRetries.execute(this.settings.batchSize);
    const holds = await this.placeDueHolds.execute(this.settings.batchSize);
    if (retries + holds > 0) this.runtime.relay?.notify();
    return { retries, holds };
  }
}
