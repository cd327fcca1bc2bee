import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '@billing/messaging';

/**
 * Reads the clock once and runs `work` in one transaction at that instant (ISO 8601): how each
 * collections use case that opens its own transaction (scheduler ticks, manual release) starts.
 */
export function inTransactionNow<T>(
  dataSource: DataSource,
  clock: Clock,
  work: (manager: EntityManager, now: string) => Promise<T>,
): Promise<T> {
  const now = clock.now().toISOString();
  return dataSource.transaction((manager) => work(manager, now));
}
