import { EntityManager } from 'typeorm';
import { toSafeInteger } from '@billing/messaging';
import { affectedRows } from '../../shared/sql';
import { CreditNoteIssuedPayload, CreditableInvoice } from '../domain/credit-note';
import { IssuedInvoice } from './invoice.repository';

/** A credit note as stored: its CreditNoteIssued payload plus the account it belongs to. */
export type StoredCreditNote = CreditNoteIssuedPayload & { accountId: string };

/** The invoice a credit note corrects, locked, with what the decision needs and what its event carries. */
export type LockedInvoice = CreditableInvoice & { accountId: string; runId: string };

/** Credit notes (immutable once inserted), their lines, the per-month number sequence and settlements. */
export const creditNoteRepository = {
  /**
   * The invoice with its earlier credit notes, locked for the rest of the transaction: its account
   * row first (the order month-close pages lock in; a void gives prepaid credit back to it), then
   * the invoice row (NO KEY UPDATE: rows that merely reference the invoice are not held up).
   * Two credit notes of one invoice take turns, so neither decides from a state the other is changing.
   */
  async lockInvoice(manager: EntityManager, invoiceId: string): Promise<LockedInvoice | null> {
    const owner: { account_id: string }[] = await manager.query(`SELECT account_id FROM invoices WHERE invoice_id = $1`, [invoiceId]);
    if (owner.length === 0) return null;
    await manager.query(`SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE`, [owner[0].account_id]);
    const [row]: { snapshot: IssuedInvoice; collected_minor: string; voided_at: Date | null }[] = await manager.query(
      `SELECT snapshot, collected_minor, voided_at FROM invoices WHERE invoice_id = $1 FOR NO KEY UPDATE`,
      [invoiceId],
    );
    const credited: { line_id: string; amount_minor: string }[] = await manager.query(
      `SELECT line_id, sum(amount_minor)::bigint AS amount_minor
       FROM credit_note_lines WHERE invoice_id = $1 GROUP BY line_id`,
      [invoiceId],
    );
    const [{ count }]: { count: number }[] = await manager.query(`SELECT count(*)::int AS count FROM credit_notes WHERE invoice_id = $1`, [invoiceId]);
    const invoice = row.snapshot;
    return {
      invoiceId: invoice.invoiceId,
      invoiceNumber: invoice.invoiceNumber,
      accountId: invoice.accountId,
      runId: invoice.runId,
      currency: invoice.currency,
      totalMinor: invoice.totalMinor,
      creditAppliedMinor: invoice.creditAppliedMinor,
      collection: invoice.collection,
      lines: invoice.lines.map((l) => ({ lineId: l.lineId, description: l.description, amountMinor: l.amountMinor })),
      customer: invoice.customer,
      creditedByLine: Object.fromEntries(credited.map((c) => [c.line_id, toSafeInteger(c.amount_minor, 'amount_minor')])),
      creditNoteCount: count,
      voided: row.voided_at !== null,
      collectedMinor: toSafeInteger(row.collected_minor, 'collected_minor'),
    };
  },

  /** The credit note an Idempotency-Key was used for, with the fingerprint of the request that used it. */
  async findByKey(manager: EntityManager, idempotencyKey: string): Promise<{ note: StoredCreditNote; fingerprint: string } | null> {
    const rows: { snapshot: StoredCreditNote; request_fingerprint: string }[] = await manager.query(
      `SELECT snapshot, request_fingerprint FROM credit_notes WHERE idempotency_key = $1`,
      [idempotencyKey],
    );
    return rows.length ? { note: rows[0].snapshot, fingerprint: rows[0].request_fingerprint } : null;
  },

  /**
   * The next number of the month's sequence. The row stays locked until the transaction ends, and a
   * rollback gives the number back: numbers are gap-free as long as this runs in the transaction that
   * inserts the note (and after the decision, so that a refusal takes no number).
   */
  async allocateNumber(manager: EntityManager, month: string): Promise<number> {
    const [{ last_value }] = await manager.query(
      `INSERT INTO credit_note_sequences (month, last_value) VALUES ($1, 1)
       ON CONFLICT (month) DO UPDATE SET last_value = credit_note_sequences.last_value + 1
       RETURNING last_value`,
      [month],
    );
    return toSafeInteger(last_value, 'last_value');
  },

  /** Inserts the note and its lines, and adds its total to the invoice's credited amount (a void also marks the invoice voided). */
  async insert(manager: EntityManager, note: StoredCreditNote, request: { idempotencyKey: string; fingerprint: string }): Promise<void> {
    await manager.query(
      `INSERT INTO credit_notes (credit_note_id, credit_note_number, invoice_id, account_id, kind, currency, total_minor, paid_part_to,
         issued_at, idempotency_key, request_fingerprint, snapshot)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        note.creditNoteId,
        note.creditNoteNumber,
        note.invoiceId,
        note.accountId,
        note.kind,
        note.currency,
        note.totalMinor,
        note.paidPartTo,
        note.issuedAt,
        request.idempotencyKey,
        request.fingerprint,
        JSON.stringify(note),
      ],
    );
    await manager.query(
      `INSERT INTO credit_note_lines (credit_note_id, invoice_id, line_id, amount_minor)
       SELECT $1, $2, * FROM unnest($3::text[], $4::bigint[])`,
      [note.creditNoteId, note.invoiceId, note.lines.map((l) => l.lineId), note.lines.map((l) => l.amountMinor)],
    );
    await manager.query(
      `UPDATE invoices SET credited_minor = credited_minor + $2, voided_at = CASE WHEN $3 THEN $4::timestamptz ELSE voided_at END
       WHERE invoice_id = $1`,
      [note.invoiceId, note.totalMinor, note.kind === 'void', note.issuedAt],
    );
  },

  async findById(manager: EntityManager, creditNoteId: string): Promise<StoredCreditNote | null> {
    const rows: { snapshot: StoredCreditNote }[] = await manager.query(`SELECT snapshot FROM credit_notes WHERE credit_note_id = $1`, [creditNoteId]);
    return rows.length ? rows[0].snapshot : null;
  },

  /** The invoice's credit notes, oldest first. */
  async listForInvoice(manager: EntityManager, invoiceId: string): Promise<StoredCreditNote[]> {
    const rows: { snapshot: StoredCreditNote }[] = await manager.query(
      `SELECT snapshot FROM credit_notes WHERE invoice_id = $1 ORDER BY issued_at, credit_note_number`,
      [invoiceId],
    );
    return rows.map((r) => r.snapshot);
  },

  /**
   * Adds credit to the account's balance when the account is (still) in `currency`. False when it
   * is not: credit in another currency than the account's would be spent at the wrong value.
   */
  async addAccountCredit(manager: EntityManager, credit: { accountId: string; currency: string; amountMinor: number }, at: string): Promise<boolean> {
    const result: unknown = await manager.query(
      `UPDATE accounts SET credit_balance_minor = credit_balance_minor + $3, updated_at = $4 WHERE account_id = $1 AND currency = $2`,
      [credit.accountId, credit.currency, credit.amountMinor, at],
    );
    return affectedRows(result) === 1;
  },

  /** Records a settlement once per credit note; false when this credit note's settlement was recorded before. */
  async recordSettlement(
    manager: EntityManager,
    s: { creditNoteId: string; accountId: string; currency: string; accountCreditMinor: number; settledAt: string; eventId: string },
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO credit_note_settlements (credit_note_id, account_id, currency, account_credit_minor, settled_at, event_id)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (credit_note_id) DO NOTHING RETURNING credit_note_id`,
      [s.creditNoteId, s.accountId, s.currency, s.accountCreditMinor, s.settledAt, s.eventId],
    );
    return rows.length === 1;
  },
};
