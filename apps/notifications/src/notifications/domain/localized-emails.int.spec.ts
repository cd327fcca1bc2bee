import { join } from 'node:path';
import type { EventOf } from '@billing/events';
import { message, type Language } from '@billing/i18n';
import { englishWordIn } from '@billing/i18n';
import { renderEmail } from './render-email';
import { SAMPLE_EVENTS } from './sample-events';
import { loadTemplates } from '../infrastructure/load-templates';
import type { EmailTemplates } from './templates';
import type { NotifiableEvent } from './email-view';

const TEMPLATES_DIR = join(__dirname, '..', '..', '..', 'templates');
const LOCALES: Record<Exclude<Language, 'en'>, string> = { de: 'de-DE', fr: 'fr-FR', hu: 'hu-HU', ja: 'ja-JP', ar: 'ar-KW' };

function inLocale<E extends NotifiableEvent>(event: E, locale: string): E {
  return { ...event, payload: { ...event.payload, customer: { ...event.payload.customer, locale } } };
}

/**
 * Data an email quotes as it is: names, addresses, zone ids, product names and units, invoice and
 * credit note numbers, links, and a credit note's reason (finance's own words, quoted as written).
 */
function withoutData(event: NotifiableEvent, body: string): string {
  const p = event.payload as Partial<EventOf<'InvoiceGenerated'>['payload']>;
  const data = [
    event.payload.customer.name,
    event.payload.customer.email,
    event.payload.customer.timeZone,
    ...(p.lines ?? []).flatMap((line) => [line.description, line.unit]),
    ...(event.type === 'CreditNoteIssued' ? [event.payload.reason] : []),
  ].filter((text): text is string => text !== undefined);
  let rest = body.replace(/<[^>]*>/g, ' ').replace(/https?:\/\/\S+/g, ' ').replace(/(INV|CN)-[\d-]+/g, ' ');
  for (const text of data) rest = rest.split(text).join(' ');
  return rest;
}

describe('emails in the customer language', () => {
  let templates: EmailTemplates;

  beforeAll(async () => {
    templates = await loadTemplates(TEMPLATES_DIR);
  });

  describe.each(Object.entries(LOCALES))('in %s (%s)', (_language, locale) => {
    it.each(SAMPLE_EVENTS.map((event) => [`${event.type} ${event.eventId.slice(0, 8)}`, event] as const))(
      'renders %s with no English sentence in subject, text or HTML',
      (_name, event) => {
        const email = renderEmail(templates, inLocale(event, locale));
        for (const [part, body] of Object.entries({ subject: email.subject, text: email.text, html: email.html })) {
          expect({ part, english: englishWordIn(withoutData(event, body)) }).toEqual({ part, english: null });
        }
        expect(email.html).toContain(`lang="${locale}"`);
      },
    );
  });

  it('lays the HTML out right-to-left for Arabic, left-to-right otherwise', () => {
    const arabic = renderEmail(templates, inLocale(SAMPLE_EVENTS[0], 'ar-KW'));
    expect(arabic.html).toContain('<html lang="ar-KW" dir="rtl">');
    expect(arabic.html).toContain('<table role="presentation" dir="rtl"');
    expect(renderEmail(templates, inLocale(SAMPLE_EVENTS[0], 'ja-JP')).html).toContain('<html lang="ja-JP" dir="ltr">');
  });

  it('takes a plural from the catalog: the hold email of one unpaid invoice and of two', () => {
    const hold = SAMPLE_EVENTS.find((e): e is EventOf<'AccountHoldPlaced'> => e.type === 'AccountHoldPlaced')!;
    const one = { ...hold, payload: { ...hold.payload, unpaidInvoices: hold.payload.unpaidInvoices.slice(0, 1) } };
    const two = { ...hold, payload: { ...hold.payload, unpaidInvoices: [hold.payload.unpaidInvoices[0], { ...hold.payload.unpaidInvoices[0], invoiceNumber: 'INV-2017-08-000002' }] } };
    for (const locale of ['en-US', 'de-DE', 'ar-KW']) {
      expect(renderEmail(templates, inLocale(one, locale)).text).toContain(message(locale, 'hold.unpaidHeading', { count: 1 }));
      expect(renderEmail(templates, inLocale(two, locale)).text).toContain(message(locale, 'hold.unpaidHeading', { count: 2 }));
    }
    expect(renderEmail(templates, one).text).toContain('This invoice is unpaid:');
    expect(renderEmail(templates, two).text).toContain('These 2 invoices are unpaid:');
  });

  it("quotes the provider's English decline message to English readers only", () => {
    const failed = SAMPLE_EVENTS.find((e): e is EventOf<'ChargeFailed'> => e.type === 'ChargeFailed' && e.payload.message !== null)!;
    expect(renderEmail(templates, failed).text).toContain(`The reason we were given: ${failed.payload.message}`);
    expect(renderEmail(templates, inLocale(failed, 'fr-FR')).text).not.toContain(failed.payload.message!);
  });
});
