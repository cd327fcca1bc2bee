import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { BatchConsumer, ServiceRuntime } from '@billing/messaging';
import { REPORTING_CONFIG, ReportingConfig } from '../../../config';
import { projectorGroupId, readProjectionState } from '../../infrastructure/projection-state';
import { projectorDefinition } from './project-events';

/** A BatchConsumer for the projector of one generation (also used by the rebuild command). */
export function createProjector(runtime: ServiceRuntime, generation: number): BatchConsumer {
  return runtime.createConsumer(projectorDefinition(runtime.config.TOPIC_PREFIX, generation));
}

/**
 * Runs the projector of the current generation. The projector is not registered with
 * `runtime.addConsumer` because a rebuild must stop it and start it again under a fresh
 * consumer group; every instance polls the generation, so a rebuild started by another
 * instance or by the rebuild command switches this one too.
 */
@Injectable()
export class ProjectorSupervisor implements OnApplicationBootstrap, OnModuleDestroy {
  private consumer?: BatchConsumer;
  private running = 0;
  private timer?: NodeJS.Timeout;
  private chain: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly runtime: ServiceRuntime,
    @Inject(REPORTING_CONFIG) private readonly config: ReportingConfig,
  ) {}

  /** The generation this instance's projector is consuming (0 before it started). */
  get generation(): number {
    return this.running;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => {
      this.sync().catch((err) => this.runtime.logger.error({ err }, 'projector generation check failed'));
    }, this.config.PROJECTION_GENERATION_POLL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.exclusive(() => this.stopConsumer());
  }

  /** Restarts the projector when the database names another generation than the one running. */
  sync(): Promise<void> {
    return this.exclusive(async () => {
      const { generation } = await readProjectionState(this.runtime.dataSource);
      if (generation !== this.running || !this.consumer) await this.startConsumer(generation);
    });
  }

  /**
   * Runs `rebuild` (which starts the next generation) with this instance's projector stopped,
   * then starts the projector of the new generation.
   */
  rebuild(rebuild: () => Promise<number>): Promise<number> {
    return this.exclusive(async () => {
      await this.stopConsumer();
      const generation = await rebuild();
      await this.startConsumer(generation);
      return generation;
    });
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async stopConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.stop();
  }

  private async startConsumer(generation: number): Promise<void> {
    await this.stopConsumer();
    if (this.stopped) return;
    const consumer = createProjector(this.runtime, generation);
    await consumer.start();
    this.consumer = consumer;
    this.running = generation;
    this.runtime.logger.info({ generation, groupId: projectorGroupId(this.config.TOPIC_PREFIX, generation) }, 'projector started');
  }
}
