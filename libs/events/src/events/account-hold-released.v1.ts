import { z } from 'zod';
import { defineEvent } from '../contract';
import { customerSnapshot, utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

/** The hold was lifted: every unpaid invoice was paid, or an admin released it. Key: accountId. */
export const AccountHoldReleasedV1 = defineEvent(
  'AccountHoldReleased',
  1,
  TOPICS.collections,
  z.object({
    holdId: uuid,
    reason: z.enum(['paid', 'manual']),
    releasedAt: utcInstant,
    releasedBy: z.string().min(1).nullable(),
    note: z.string().nullable(),
    customer: customerSnapshot,
  }),
);
