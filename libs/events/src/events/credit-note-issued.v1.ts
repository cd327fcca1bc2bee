import { z } from 'zod';
import { defineEvent } from '../contract';
import { currencyCode, customerSnapshot, nonNegativeMinorAmount, utcInstant, uuid } from '../fields';
import { TOPICS } from '../topics';

const positiveMinorAmount = nonNegativeMinorAmount.refine((n) => n > 0, { message: 'must be positive' });

/** One credited line: the invoice line it corrects and how much of it, in the invoice's minor units. */
export const creditNoteLineV1 = z.object({
  /** The invoice line (`InvoiceGenerated.lines[].lineId`) this amount credits. */
  lineId: z.string().min(1),
  description: z.string().min(1),
  amountMinor: positiveMinorAmount,
});

/**
 * What happens to the part of a credit that the invoice has already collected (payments decides
 * how much that is when it settles the note, see CreditNoteSettled): `refund` to the card the
 * invoice was charged on, or `account_credit` for the account's next invoice. The part that is
 * still outstanding is always simply no longer owed.
 */
export const creditNoteSettlementV1 = z.enum(['refund', 'account_credit']);
export type CreditNoteSettlement = z.infer<typeof creditNoteSettlementV1>;

/**
 * An issued invoice was corrected by a credit note: an immutable document of its own, numbered
 * `CN-YYYY-MM-NNNNNN` (gap-free per month of issue, like invoices). The invoice itself never
 * changes. `kind: 'void'` is the full credit note a void issues (nothing collected, reason
 * `void`). Carries the snapshot the credit note email is rendered from. Key: accountId.
 */
export const CreditNoteIssuedV1 = defineEvent(
  'CreditNoteIssued',
  1,
  TOPICS.invoices,
  z
    .object({
      creditNoteId: uuid,
      creditNoteNumber: z.string().regex(/^CN-\d{4}-(0[1-9]|1[0-2])-\d{6}$/, { message: 'must be CN-YYYY-MM-NNNNNN' }),
      invoiceId: uuid,
      invoiceNumber: z.string().min(1),
      kind: z.enum(['credit', 'void']),
      reason: z.string().min(1).max(500),
      currency: currencyCode,
      lines: z.array(creditNoteLineV1).min(1),
      totalMinor: positiveMinorAmount,
      /** The invoice's total and what earlier credit notes of it credited, at issue. */
      invoiceTotalMinor: nonNegativeMinorAmount,
      creditedBeforeMinor: nonNegativeMinorAmount,
      paidPartTo: creditNoteSettlementV1,
      issuedAt: utcInstant,
      issuedBy: z.string().min(1).max(200),
      customer: customerSnapshot,
    })
    .refine((p) => p.totalMinor === p.lines.reduce((sum, line) => sum + line.amountMinor, 0), {
      message: 'totalMinor must equal the sum of the lines',
      path: ['totalMinor'],
    })
    .refine((p) => p.creditedBeforeMinor + p.totalMinor <= p.invoiceTotalMinor, {
      message: 'credit notes of an invoice must not credit more than its total',
      path: ['totalMinor'],
    })
    .refine((p) => p.kind !== 'void' || (p.creditedBeforeMinor === 0 && p.totalMinor === p.invoiceTotalMinor), {
      message: 'a void credits the whole invoice',
      path: ['kind'],
    }),
);
