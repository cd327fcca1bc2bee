import { z } from 'zod';
import { defineEvent } from '../contract';
import { period, utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

const count = z.number().int().nonnegative();

/**
 * Every in-scope account of the run has its invoice or is listed as failed (MonthCloseAccountFailed).
 * Emitted when the run ends; again each time an operator's retry of failed accounts ends it anew
 * (the later `completedAt` holds). `failed` and `status` were added within v1 (optional: absent on
 * events of runs that ended before them, read as 0 and `completed`). Key: month-close:<period>.
 */
export const MonthCloseCompletedV1 = defineEvent(
  'MonthCloseCompleted',
  1,
  TOPICS.monthClose,
  z.object({
    runId: uuid,
    period,
    accountsInScope: count,
    invoiced: count,
    zeroTotal: count,
    startedAt: utcInstant,
    completedAt: utcInstant,
    /** Accounts the run could not invoice and that are still failed when it ended. */
    failed: count.optional(),
    status: z.enum(['completed', 'completed_with_failures']).optional(),
  }),
);
