import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one service process, served at GET /metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly consumed: Counter<'consumer' | 'type'>;
  readonly duplicates: Counter<'consumer'>;
  readonly deadLettered: Counter<'consumer' | 'reason'>;
  readonly outboxPublished: Counter;
  readonly batchSeconds: Histogram<'consumer'>;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.consumed = new Counter({
      name: 'billing_events_handled_total',
      help: 'Events handled by a consumer (first delivery only)',
      labelNames: ['consumer', 'type'],
      registers: [this.registry],
    });
    this.duplicates = new Counter({
      name: 'billing_events_duplicate_total',
      help: 'Redelivered events dropped by the inbox',
      labelNames: ['consumer'],
      registers: [this.registry],
    });
    this.deadLettered = new Counter({
      name: 'billing_events_dead_lettered_total',
      help: 'Messages sent to the dead-letter topic',
      labelNames: ['consumer', 'reason'],
      registers: [this.registry],
    });
    this.outboxPublished = new Counter({
      name: 'billing_outbox_published_total',
      help: 'Events published from the outbox',
      registers: [this.registry],
    });
    this.batchSeconds = new Histogram({
      name: 'billing_consumer_batch_seconds',
      help: 'Time to handle one fetched batch in one transaction',
      labelNames: ['consumer'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
  }
}
