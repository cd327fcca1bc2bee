import { DataSource, EntityManager } from 'typeorm';
import { mapBounded } from '@billing/messaging';

/** How provider calls of one batch run (charges and refunds alike). */
export interface ProviderCallOptions {
  /** Provider calls of one batch in flight at the same time. */
  providerConcurrency: number;
  /** Charge requests per consumer transaction when calls are paced (default: the service's batch size); see pacedBatchSize. */
  batchSize?: number;
  /** Test hook (PAYMENTS_CRASH_AFTER_PROVIDER_CALL): runs right after a provider call returned. */
  afterProviderCall?: () => void;
}

export const PROVIDER_CALL_OPTIONS = Symbol('PROVIDER_CALL_OPTIONS');

/**
 * Exactly once around an external call, for one consumer batch: 1. `plan` in its own short
 * transaction, committed before any call (the rows that carry each call's idempotency key and
 * exact parameters); 2. every planned call, bounded in concurrency, outside any transaction;
 * 3. `record` the outcomes in the consumer's inbox transaction. A crash between 2 and 3 leaves
 * the planned rows and no inbox row: the redelivered batch plans the same calls again and the
 * provider replays their first answers.
 */
export async function planCallRecord<Plan, Call, Outcome>(
  dataSource: DataSource,
  options: ProviderCallOptions,
  steps: {
    plan(planning: EntityManager): Promise<Plan>;
    callsOf(plan: Plan): readonly Call[];
    call(call: Call): Promise<Outcome>;
    record(plan: Plan, outcomes: Outcome[]): Promise<void>;
  },
): Promise<void> {
  const plan = await dataSource.transaction((planning) => steps.plan(planning));
  const outcomes = await mapBounded(steps.callsOf(plan), options.providerConcurrency, async (call) => {
    const outcome = await steps.call(call);
    options.afterProviderCall?.();
    return outcome;
  });
  await steps.record(plan, outcomes);
}
