import { z } from 'zod';
import { defineEvent } from '../contract';
import { period, utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

/**
 * A month-close run could not invoice one account (a rating or issue failure, or an error while
 * computing its invoice) and went on without it. Code is stable (`price_missing`,
 * `amount_out_of_range`, `unexpected_error`, ...), reason is for people. The account stays
 * failed in the run until an operator retries it; its InvoiceGenerated of the same run, if one
 * follows, supersedes this event. On the invoices topic so that it stays ordered with the
 * account's InvoiceGenerated. Key: accountId.
 */
export const MonthCloseAccountFailedV1 = defineEvent(
  'MonthCloseAccountFailed',
  1,
  TOPICS.invoices,
  z.object({
    runId: uuid,
    period,
    accountId: uuid,
    code: z.string().min(1).max(100),
    reason: z.string().min(1).max(2000),
    failedAt: utcInstant,
  }),
);
