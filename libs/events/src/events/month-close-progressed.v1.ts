import { z } from 'zod';
import { defineEvent } from '../contract';
import { period, utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

const count = z.number().int().nonnegative();

/** Progress of a month-close run. Key: month-close:<period>. */
export const MonthCloseProgressedV1 = defineEvent(
  'MonthCloseProgressed',
  1,
  TOPICS.monthClose,
  z.object({
    runId: uuid,
    period,
    accountsInScope: count,
    invoiced: count,
    zeroTotal: count,
    remaining: count,
    waiting: count,
    waitingUntil: utcInstant.nullable(),
    at: utcInstant,
  }),
);
