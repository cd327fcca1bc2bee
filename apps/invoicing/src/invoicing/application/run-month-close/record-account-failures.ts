import { EntityManager } from 'typeorm';
import { appendToOutbox } from '@billing/messaging';
import { AccountFailure } from '../../domain/account-failure';
import { MonthCloseRun } from '../../domain/month-close-run';
import { monthCloseRepository } from '../../infrastructure/month-close.repository';
import { accountFailedEvent } from './month-close-events';

/**
 * month-close/record-failures: the accounts of a page that could not be invoiced are recorded in
 * the run with their code and reason, and announced (MonthCloseAccountFailed through the outbox,
 * for the finance report), in the page's transaction. Returns the failures recorded now.
 */
export async function recordAccountFailures(
  manager: EntityManager,
  run: MonthCloseRun,
  failures: readonly AccountFailure[],
  now: string,
): Promise<AccountFailure[]> {
  const recorded = await monthCloseRepository.recordFailures(manager, run.runId, failures, now);
  const announced = failures.filter((f) => recorded.has(f.accountId));
  await appendToOutbox(
    manager,
    announced.map((f) => accountFailedEvent(run, f, now)),
  );
  return announced;
}
