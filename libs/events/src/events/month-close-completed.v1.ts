import { z } from 'zod';
import { defineEvent } from '../contract';
import { period, utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

const count = z.number().int().nonnegative();

/** Every in-scope account of the run has its invoice. Emitted once. Key: month-close:<period>. */
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
  }),
);
