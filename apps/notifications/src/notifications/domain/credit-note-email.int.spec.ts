import { join } from 'node:path';
import type { EventOf } from '@billing/events';
import { formatMoney } from '@billing/i18n';
import { renderEmail } from './render-email';
import { sampleCreditNote, sampleVoidCreditNote } from './sample-events';
import { loadTemplates } from '../infrastructure/load-templates';
import type { EmailTemplates } from './templates';
import { composeMime } from './testing/compose-mime';

const TEMPLATES_DIR = join(__dirname, '..', '..', '..', 'templates');

/** The sample credit note re-issued in another currency, zone and locale, amounts in that currency's minor units. */
function creditNoteIn(currency: 'JPY' | 'KWD', amounts: { line: number; invoiceTotal: number }, customer: { locale: string; timeZone: string }): EventOf<'CreditNoteIssued'> {
  const p = sampleCreditNote.payload;
  return {
    ...sampleCreditNote,
    payload: {
      ...p,
      currency,
      lines: [{ ...p.lines[0], amountMinor: amounts.line }],
      totalMinor: amounts.line,
      invoiceTotalMinor: amounts.invoiceTotal,
      customer: { ...p.customer, ...customer },
    },
  };
}

describe('the credit note email', () => {
  let templates: EmailTemplates;

  beforeAll(async () => {
    templates = await loadTemplates(TEMPLATES_DIR);
  });

  it('is one email per credit note: keyed by its id, dated at its issue, about its invoice', () => {
    const email = renderEmail(templates, sampleCreditNote);
    expect(email).toMatchObject({
      emailKey: `credit-note:${sampleCreditNote.payload.creditNoteId}`,
      template: 'credit-note',
      subjectId: sampleCreditNote.payload.creditNoteId,
      invoiceId: sampleCreditNote.payload.invoiceId,
      to: 'ann@example.test',
      date: '2017-08-10T17:00:00Z',
    });
    expect(email.headers.Date).toBe('Thu, 10 Aug 2017 17:00:00 +0000');
    expect(email.messageId).toMatch(/^<[0-9a-f]{32}@billing\.local>$/);
    expect(email.messageId).not.toBe(renderEmail(templates, sampleVoidCreditNote).messageId);
  });

  it('says what was credited, why, and that the paid part is refunded (USD, Los Angeles time)', () => {
    const email = renderEmail(templates, sampleCreditNote);
    expect(email.subject).toBe('Credit note CN-2017-08-000001 for invoice INV-2017-07-000001');
    expect(email.text).toContain('We issued credit note CN-2017-08-000001 on August 10, 2017 at 10:00:00 AM PDT. It credits $2.50 on invoice INV-2017-07-000001.');
    expect(email.text).toContain('Reason: Compute hours were counted twice on 12 July');
    expect(email.text).toContain('- Compute (vCPU hours): $2.50');
    expect(email.text).toContain('Total credited: $2.50');
    expect(email.text).toContain('is refunded to the payment method you paid with');
    expect(email.text).not.toContain('credit and is taken off your next invoice');
    expect(email.html).toContain('<strong>CN-2017-08-000001</strong>');
  });

  it('says the paid part stays as account credit, and words a carried balance from the catalog', () => {
    const accountCredit: EventOf<'CreditNoteIssued'> = {
      ...sampleCreditNote,
      payload: {
        ...sampleCreditNote.payload,
        paidPartTo: 'account_credit',
        lines: [{ lineId: 'carried:7d6c5b4a-3928-4176-8e5d-4c3b2a190807', description: 'Balance carried over from INV-2017-06-000009', amountMinor: 250 }],
      },
    };
    const email = renderEmail(templates, accountCredit);
    expect(email.text).toContain('stays on your account as credit and is taken off your next invoice');
    expect(email.text).not.toContain('refunded');
    expect(email.text).toContain('- Balance carried over from an earlier invoice: $2.50');
    expect(renderEmail(templates, { ...accountCredit, payload: { ...accountCredit.payload, customer: { ...accountCredit.payload.customer, locale: 'de-DE' } } }).text).toContain(
      '- Übertrag aus einer früheren Rechnung: 2,50',
    );
  });

  it('tells the customer a voided invoice is cancelled and owes nothing, without a reason line or a refund promise', () => {
    const email = renderEmail(templates, sampleVoidCreditNote);
    expect(email.subject).toBe('Invoice INV-2017-07-000001 has been cancelled');
    expect(email.text).toContain('Invoice INV-2017-07-000001 was cancelled on August 10, 2017 at 10:00:00 AM PDT by credit note CN-2017-08-000003: you owe nothing for it.');
    expect(email.text).not.toContain('Reason:');
    expect(email.text).not.toContain('refunded');
    expect(email.text).toContain('Total credited: $10.00');
  });

  it('renders yen without decimals and dinars to the fils, in the customer zone and language (JPY, KWD)', () => {
    const jpy = renderEmail(templates, creditNoteIn('JPY', { line: 1_500, invoiceTotal: 4_100 }, { locale: 'ja-JP', timeZone: 'Asia/Tokyo' }));
    const yen = formatMoney(1_500, 'JPY', 'ja-JP');
    expect(yen).toBe('￥1,500');
    expect(jpy.subject).toBe('請求書 INV-2017-07-000001 のクレジットノート CN-2017-08-000001');
    expect(jpy.text).toContain(`から ${yen} を差し引きます`);
    expect(jpy.text).toContain('2017'); // the date in Tokyo time
    expect(jpy.text).toContain('JST');

    const kwd = renderEmail(templates, creditNoteIn('KWD', { line: 1_250, invoiceTotal: 3_500 }, { locale: 'en-US', timeZone: 'Asia/Kuwait' }));
    expect(kwd.text).toContain(`It credits ${formatMoney(1_250, 'KWD', 'en-US')} on invoice`);
    expect(formatMoney(1_250, 'KWD', 'en-US')).toContain('1.250');
    expect(kwd.text).toContain('August 10, 2017 at 8:00:00 PM GMT+3');
  });

  it('escapes the reason in HTML: finance writes it, the customer reads it', () => {
    const html = renderEmail(templates, { ...sampleCreditNote, payload: { ...sampleCreditNote.payload, reason: '<script>alert(1)</script> & more' } }).html;
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('composes to byte-identical MIME when the same event is rendered again (JPY and KWD)', async () => {
    for (const event of [
      creditNoteIn('JPY', { line: 1_500, invoiceTotal: 4_100 }, { locale: 'ja-JP', timeZone: 'Asia/Tokyo' }),
      creditNoteIn('KWD', { line: 1_250, invoiceTotal: 3_500 }, { locale: 'ar-KW', timeZone: 'Asia/Kuwait' }),
      sampleVoidCreditNote,
    ]) {
      const first = await composeMime(renderEmail(templates, event));
      const again = await composeMime(renderEmail(templates, structuredClone(event)));
      expect(again.equals(first)).toBe(true);
    }
  });
});
