import { z } from 'zod';
import { defineEvent } from '../contract';
import { currencyCode, nonNegativeMinorAmount, utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

/**
 * Payments applied a credit note to the invoice's money, exactly once per credit note:
 * `appliedToOutstandingMinor` is no longer owed (the next attempt charges less; 0 left: not
 * chased), and the rest — the part already collected — is `refundMinor` (a refund to the card
 * follows: RefundSucceeded / RefundFailed) or `accountCreditMinor` (invoicing adds it to the
 * account's credit balance for its next invoice). `outstandingAfterMinor`: what the invoice still
 * owes after it. Key: accountId.
 */
export const CreditNoteSettledV1 = defineEvent(
  'CreditNoteSettled',
  1,
  TOPICS.payments,
  z
    .object({
      creditNoteId: uuid,
      creditNoteNumber: z.string().min(1),
      invoiceId: uuid,
      invoiceNumber: z.string().min(1),
      currency: currencyCode,
      totalMinor: nonNegativeMinorAmount,
      appliedToOutstandingMinor: nonNegativeMinorAmount,
      refundMinor: nonNegativeMinorAmount,
      accountCreditMinor: nonNegativeMinorAmount,
      outstandingAfterMinor: nonNegativeMinorAmount,
      settledAt: utcInstant,
    })
    .refine((p) => p.appliedToOutstandingMinor + p.refundMinor + p.accountCreditMinor === p.totalMinor, {
      message: 'appliedToOutstandingMinor + refundMinor + accountCreditMinor must equal totalMinor',
      path: ['totalMinor'],
    }),
);
