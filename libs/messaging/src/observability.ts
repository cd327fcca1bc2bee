import { Controller, DynamicModule, Get, Global, Header, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { BearerAuthGuard, parseTokenConfig } from './auth';
import { CLOCK } from './clock';
import { Logger } from './logger';
import { ServiceRuntime } from './runtime';

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly runtime: ServiceRuntime,
  ) {}

  /** 200 when the database and the Kafka broker answer, 503 otherwise. */
  @Get('health')
  @HealthCheck()
  check() {
    const probe = (key: string, fn: () => Promise<void>) => async () => {
      const session = this.indicators.check(key);
      try {
        await fn();
        return session.up();
      } catch (error) {
        return session.down({ message: (error as Error).message });
      }
    };
    return this.health.check([
      probe('database', () => this.runtime.checkDatabase()),
      probe('kafka', () => this.runtime.checkKafka()),
      probe('consumers', async () => this.runtime.checkConsumers()),
    ]);
  }
}

@Controller()
export class MetricsController {
  constructor(private readonly runtime: ServiceRuntime) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.runtime.metrics.registry.metrics();
  }
}

export const LOGGER = Symbol('LOGGER');

/**
 * Global module every app imports once: the runtime, its DataSource and logger as providers,
 * GET /health and GET /metrics, the bearer-token guard, and consumers started after boot.
 */
@Global()
@Module({})
export class ServiceCoreModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly runtime: ServiceRuntime) {}

  static forRoot(runtime: ServiceRuntime): DynamicModule {
    const tokens = parseTokenConfig(runtime.config.AUTH_TOKENS);
    return {
      module: ServiceCoreModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: ServiceRuntime, useValue: runtime },
        { provide: DataSource, useValue: runtime.dataSource },
        { provide: LOGGER, useValue: runtime.logger },
        { provide: CLOCK, useValue: runtime.clock },
        { provide: APP_GUARD, useFactory: (reflector: Reflector) => new BearerAuthGuard(reflector, tokens), inject: [Reflector] },
      ],
      exports: [ServiceRuntime, DataSource, LOGGER, CLOCK],
    };
  }

  /**
   * Consumers join their groups in the background: after a crash the group waits for the dead
   * member's session to expire, and HTTP (health, API) must not wait for that.
   */
  onApplicationBootstrap(): void {
    this.runtime.startConsumers().catch((error) => {
      this.runtime.logger.fatal({ err: error }, 'consumers failed to start');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }
}

export type { Logger };
