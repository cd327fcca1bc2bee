import { z } from 'zod';
import { defineEvent } from '../contract';
import { period, utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

/** A month close for `period` was requested (API, CLI or scheduler). Key: month-close:<period>. */
export const MonthCloseRequestedV1 = defineEvent(
  'MonthCloseRequested',
  1,
  TOPICS.monthClose,
  z.object({
    runId: uuid,
    period,
    requestedAt: utcInstant,
    requestedBy: z.string().min(1),
  }),
);
