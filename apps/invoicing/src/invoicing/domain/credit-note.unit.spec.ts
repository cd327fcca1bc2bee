import { CreditNoteIssuedV1 } from '@billing/events';
import {
  CreditNoteRequest,
  CreditableInvoice,
  creditNoteMonth,
  decideCreditNote,
  formatCreditNoteNumber,
  numberCreditNote,
} from './credit-note';

const ctx = { creditNoteId: '3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', issuedAt: '2026-12-03T10:00:00.000Z', issuedBy: 'finance' };

/** JPY (zero decimals): lines 3,000 + 1,200 + 800 = 5,000, 500 of prepaid credit applied → total 4,500. */
const jpyInvoice = (overrides: Partial<CreditableInvoice> = {}): CreditableInvoice => ({
  invoiceId: '0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d',
  invoiceNumber: 'INV-2026-11-000007',
  currency: 'JPY',
  totalMinor: 4_500,
  creditAppliedMinor: 500,
  collection: 'charge_automatically',
  lines: [
    { lineId: 'vm:srv-1:2026-11', description: 'Small server', amountMinor: 3_000 },
    { lineId: 'storage:disk-1:2026-11', description: 'Storage', amountMinor: 1_200 },
    { lineId: 'carried:5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f', description: 'Balance carried over from INV-2026-10-000003', amountMinor: 800 },
  ],
  customer: { name: 'Tanaka KK', email: 'billing@tanaka.example', timeZone: 'Asia/Tokyo', locale: 'ja-JP' },
  creditedByLine: {},
  creditNoteCount: 0,
  voided: false,
  collectedMinor: 0,
  ...overrides,
});

/** KWD (three decimals, collectible in 10 fils): 12.340 + 0.500 = 12.840 KWD, no credit applied. */
const kwdInvoice = (overrides: Partial<CreditableInvoice> = {}): CreditableInvoice => ({
  ...jpyInvoice(),
  invoiceNumber: 'INV-2026-11-000008',
  currency: 'KWD',
  totalMinor: 12_840,
  creditAppliedMinor: 0,
  lines: [
    { lineId: 'vm:srv-1:2026-11', description: 'Small server', amountMinor: 12_340 },
    { lineId: 'storage:disk-1:2026-11', description: 'Storage', amountMinor: 500 },
  ],
  customer: { name: 'Gulf KSC', email: 'ap@gulf.example', timeZone: 'Asia/Kuwait', locale: 'ar-KW' },
  ...overrides,
});

const credit = (lines: { lineId: string; amountMinor?: number }[], extra: Partial<Extract<CreditNoteRequest, { kind: 'credit' }>> = {}): CreditNoteRequest => ({
  kind: 'credit',
  reason: 'rated twice',
  paidPartTo: 'refund',
  lines,
  ...extra,
});

/** The issued payload must satisfy its contract whenever the decision accepts. */
function issued(decision: ReturnType<typeof decideCreditNote>, number = 'CN-2026-12-000001') {
  if (!decision.ok) throw new Error(`refused: ${decision.code} ${decision.message}`);
  const payload = numberCreditNote(decision.draft, number);
  const parsed = CreditNoteIssuedV1.schema.safeParse(payload);
  if (!parsed.success) throw new Error(parsed.error.message);
  return { ...decision, payload };
}

describe('decideCreditNote: how much a credit note may credit', () => {
  it('credits an amount of one line in yen and carries the invoice total, what was credited before and the customer snapshot', () => {
    const { payload } = issued(decideCreditNote(credit([{ lineId: 'vm:srv-1:2026-11', amountMinor: 1_000 }]), jpyInvoice(), ctx));
    expect(payload).toEqual({
      creditNoteId: ctx.creditNoteId,
      creditNoteNumber: 'CN-2026-12-000001',
      invoiceId: jpyInvoice().invoiceId,
      invoiceNumber: 'INV-2026-11-000007',
      kind: 'credit',
      reason: 'rated twice',
      currency: 'JPY',
      lines: [{ lineId: 'vm:srv-1:2026-11', description: 'Small server', amountMinor: 1_000 }],
      totalMinor: 1_000,
      invoiceTotalMinor: 4_500,
      creditedBeforeMinor: 0,
      paidPartTo: 'refund',
      issuedAt: ctx.issuedAt,
      issuedBy: 'finance',
      customer: jpyInvoice().customer,
    });
  });

  it('credits a whole line as what is left of it after earlier credit notes', () => {
    const { payload } = issued(
      decideCreditNote(credit([{ lineId: 'vm:srv-1:2026-11' }], { paidPartTo: 'account_credit' }), jpyInvoice({ creditedByLine: { 'vm:srv-1:2026-11': 1_000 } }), ctx),
    );
    expect(payload).toMatchObject({ lines: [{ lineId: 'vm:srv-1:2026-11', amountMinor: 2_000 }], totalMinor: 2_000, creditedBeforeMinor: 1_000, paidPartTo: 'account_credit' });
  });

  it('refuses a line amount above what is left of the line, naming the field', () => {
    const given = jpyInvoice({ creditedByLine: { 'storage:disk-1:2026-11': 1_000 } });
    expect(decideCreditNote(credit([{ lineId: 'vm:srv-1:2026-11', amountMinor: 10 }, { lineId: 'storage:disk-1:2026-11', amountMinor: 201 }]), given, ctx)).toEqual({
      ok: false,
      code: 'line_amount_exceeded',
      message: expect.stringContaining('200 left'),
      field: 'body.lines.1.amountMinor',
    });
    expect(issued(decideCreditNote(credit([{ lineId: 'storage:disk-1:2026-11', amountMinor: 200 }]), given, ctx)).payload.totalMinor).toBe(200);
  });

  it('refuses a whole line that earlier credit notes credited completely', () => {
    const decision = decideCreditNote(credit([{ lineId: 'storage:disk-1:2026-11' }]), jpyInvoice({ creditedByLine: { 'storage:disk-1:2026-11': 1_200 } }), ctx);
    expect(decision).toMatchObject({ ok: false, code: 'line_amount_exceeded', field: 'body.lines.0.lineId' });
  });

  it('caps the whole credit at the total the customer was billed (subtotal minus prepaid credit), not the subtotal', () => {
    // every line whole = 5,000 yen, but the invoice billed only 4,500
    const all = credit(jpyInvoice().lines.map((l) => ({ lineId: l.lineId })));
    expect(decideCreditNote(all, jpyInvoice(), ctx)).toMatchObject({ ok: false, code: 'exceeds_invoice_total', message: expect.stringContaining('4500 left') });
    const exact = credit([{ lineId: 'vm:srv-1:2026-11' }, { lineId: 'storage:disk-1:2026-11' }, { lineId: 'carried:5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f', amountMinor: 300 }]);
    expect(issued(decideCreditNote(exact, jpyInvoice(), ctx)).payload.totalMinor).toBe(4_500);
  });

  it('refuses crediting more than the total minus earlier credit notes, across lines', () => {
    const given = jpyInvoice({ creditedByLine: { 'vm:srv-1:2026-11': 3_000, 'storage:disk-1:2026-11': 1_000 } });
    expect(decideCreditNote(credit([{ lineId: 'carried:5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f', amountMinor: 501 }]), given, ctx)).toMatchObject({
      ok: false,
      code: 'exceeds_invoice_total',
      field: 'body.lines',
    });
    expect(issued(decideCreditNote(credit([{ lineId: 'carried:5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f', amountMinor: 500 }]), given, ctx)).payload).toMatchObject({
      totalMinor: 500,
      creditedBeforeMinor: 4_000,
    });
  });

  it('credits fils in multiples of ten (KWD is collected in 0.010) and refuses an amount that is not', () => {
    expect(issued(decideCreditNote(credit([{ lineId: 'vm:srv-1:2026-11', amountMinor: 2_340 }, { lineId: 'storage:disk-1:2026-11' }]), kwdInvoice(), ctx)).payload).toMatchObject({
      currency: 'KWD',
      totalMinor: 2_840,
      lines: [{ amountMinor: 2_340 }, { amountMinor: 500 }],
    });
    expect(decideCreditNote(credit([{ lineId: 'vm:srv-1:2026-11', amountMinor: 2_345 }]), kwdInvoice(), ctx)).toMatchObject({
      ok: false,
      code: 'amount_not_collectible',
      field: 'body.lines.0.amountMinor',
    });
  });

  it('refuses in KWD above the line and above the total, to the fils', () => {
    expect(decideCreditNote(credit([{ lineId: 'storage:disk-1:2026-11', amountMinor: 510 }]), kwdInvoice(), ctx)).toMatchObject({ ok: false, code: 'line_amount_exceeded' });
    const given = kwdInvoice({ creditedByLine: { 'vm:srv-1:2026-11': 12_340 } });
    expect(issued(decideCreditNote(credit([{ lineId: 'storage:disk-1:2026-11' }]), given, ctx)).payload).toMatchObject({ totalMinor: 500, creditedBeforeMinor: 12_340 });
  });

  it('refuses an unknown line, another currency, a voided invoice and a total carried to the next invoice', () => {
    expect(decideCreditNote(credit([{ lineId: 'nope' }]), jpyInvoice(), ctx)).toMatchObject({ ok: false, code: 'unknown_line', field: 'body.lines.0.lineId' });
    expect(decideCreditNote(credit([{ lineId: 'vm:srv-1:2026-11' }], { currency: 'USD' }), jpyInvoice(), ctx)).toMatchObject({ ok: false, code: 'currency_mismatch', field: 'body.currency' });
    expect(decideCreditNote(credit([{ lineId: 'vm:srv-1:2026-11' }]), jpyInvoice({ voided: true }), ctx)).toMatchObject({ ok: false, code: 'invoice_voided' });
    expect(decideCreditNote(credit([{ lineId: 'vm:srv-1:2026-11' }]), jpyInvoice({ collection: 'below_provider_minimum' }), ctx)).toMatchObject({
      ok: false,
      code: 'carried_forward',
    });
  });
});

describe('decideCreditNote: void', () => {
  it('credits the whole total in line order (prepaid credit leaves the last line short) and gives the prepaid credit back, in yen', () => {
    const decided = issued(decideCreditNote({ kind: 'void' }, jpyInvoice(), ctx));
    expect(decided.payload).toMatchObject({
      kind: 'void',
      reason: 'void',
      paidPartTo: 'refund',
      totalMinor: 4_500,
      invoiceTotalMinor: 4_500,
      creditedBeforeMinor: 0,
      lines: [
        { lineId: 'vm:srv-1:2026-11', amountMinor: 3_000 },
        { lineId: 'storage:disk-1:2026-11', amountMinor: 1_200 },
        { lineId: 'carried:5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f', amountMinor: 300 },
      ],
    });
    expect(decided.creditRestoredMinor).toBe(500);
  });

  it('voids a KWD invoice to the fils and restores nothing when no credit was applied', () => {
    const decided = issued(decideCreditNote({ kind: 'void' }, kwdInvoice(), ctx));
    expect(decided.payload).toMatchObject({ currency: 'KWD', totalMinor: 12_840, lines: [{ amountMinor: 12_340 }, { amountMinor: 500 }] });
    expect(decided.creditRestoredMinor).toBe(0);
  });

  it('refuses once something was collected, after a credit note, twice, or with nothing to void', () => {
    expect(decideCreditNote({ kind: 'void' }, kwdInvoice({ collectedMinor: 10 }), ctx)).toMatchObject({ ok: false, code: 'already_collected' });
    expect(decideCreditNote({ kind: 'void' }, kwdInvoice({ creditNoteCount: 1, creditedByLine: { 'vm:srv-1:2026-11': 10 } }), ctx)).toMatchObject({
      ok: false,
      code: 'has_credit_notes',
    });
    expect(decideCreditNote({ kind: 'void' }, kwdInvoice({ voided: true }), ctx)).toMatchObject({ ok: false, code: 'invoice_voided' });
    expect(decideCreditNote({ kind: 'void' }, jpyInvoice({ totalMinor: 0, creditAppliedMinor: 5_000, collection: 'nothing_due' }), ctx)).toMatchObject({
      ok: false,
      code: 'nothing_to_void',
    });
  });
});

describe('credit note numbers', () => {
  it('numbers by the UTC month of issue, six digits', () => {
    expect(formatCreditNoteNumber(creditNoteMonth('2026-12-03T10:00:00.000Z'), 42)).toBe('CN-2026-12-000042');
    // 08:30 on 1 January in Tokyo is still December in UTC
    expect(creditNoteMonth('2026-12-31T23:30:00.000Z')).toBe('2026-12');
    expect(creditNoteMonth('2027-01-01T00:00:00.000Z')).toBe('2027-01');
  });

  it('refuses a sequence the CN-YYYY-MM-NNNNNN format cannot hold, and a malformed month', () => {
    expect(formatCreditNoteNumber('2026-12', 999_999)).toBe('CN-2026-12-999999');
    expect(() => formatCreditNoteNumber('2026-12', 1_000_000)).toThrow(RangeError);
    expect(() => formatCreditNoteNumber('2026-12', 0)).toThrow(RangeError);
    expect(() => formatCreditNoteNumber('2026-13', 1)).toThrow(RangeError);
    expect(() => creditNoteMonth('yesterday')).toThrow(RangeError);
  });
});
