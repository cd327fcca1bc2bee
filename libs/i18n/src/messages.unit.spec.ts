import { TYPE, parse, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { englishWordIn } from './english-words';
import { formatDate, formatInstant, formatMoney, formatPeriod } from './format';
import { CATALOGS, LANGUAGES, MESSAGE_TAGS, languageOf, message, messageSource, textDirection, type Language, type MessageKey } from './messages';

const EN_KEYS = Object.keys(CATALOGS.en).sort() as MessageKey[];
const LOCALE_OF: Record<Language, string> = { en: 'en-US', de: 'de-DE', fr: 'fr-FR', hu: 'hu-HU', ja: 'ja-JP', ar: 'ar-KW' };

/** The argument and tag names a message uses, at any depth. */
function namesIn(elements: MessageFormatElement[], args = new Set<string>(), tags = new Set<string>()) {
  for (const el of elements) {
    if (el.type === TYPE.tag) {
      tags.add(el.value);
      namesIn(el.children, args, tags);
    } else if (el.type === TYPE.plural || el.type === TYPE.select) {
      args.add(el.value);
      for (const option of Object.values(el.options)) namesIn(option.value, args, tags);
    } else if (el.type !== TYPE.literal && el.type !== TYPE.pound) {
      args.add(el.value);
    }
  }
  return { args, tags };
}

/** Sample values for every argument the catalogs use, formatted for the locale as an email formats them. */
function sampleValues(locale: string): Record<string, string | number> {
  return {
    name: 'Ada Lovelace',
    email: 'ada@example.test',
    timeZone: 'Europe/Budapest',
    invoiceNumber: 'INV-2026-10-000013',
    creditNoteNumber: 'CN-2026-11-000004',
    period: formatPeriod('2026-10', locale),
    start: formatDate('2026-10-01T00:00:00Z', 'UTC', locale),
    end: formatDate('2026-10-31T00:00:00Z', 'UTC', locale),
    issuedAt: formatInstant('2026-11-01T09:30:00Z', 'Asia/Tokyo', locale),
    failedAt: formatInstant('2026-11-02T09:30:00Z', 'Asia/Tokyo', locale),
    placedAt: formatInstant('2026-11-20T09:30:00Z', 'Asia/Tokyo', locale),
    releasedAt: formatInstant('2026-11-25T09:30:00Z', 'Asia/Tokyo', locale),
    dueDate: formatDate('2026-11-15T00:00:00Z', 'Asia/Tokyo', locale),
    amount: formatMoney(7250, 'KWD', locale),
    days: 14,
    count: 2,
    // hold.placed selects on it; creditNote.reason quotes it
    reason: 'retries_exhausted',
    message: 'card_declined',
  };
}

describe('message catalogs', () => {
  it.each(LANGUAGES)('%s has every key of the English catalog and no other', (language) => {
    expect(Object.keys(CATALOGS[language]).sort()).toEqual(EN_KEYS);
  });

  it.each(LANGUAGES)('every %s message parses, uses only the tags b and link and only arguments its English message has', (language) => {
    for (const key of EN_KEYS) {
      const source = CATALOGS[language][key]!;
      const english = namesIn(parse(CATALOGS.en[key]!));
      let used: ReturnType<typeof namesIn>;
      try {
        used = namesIn(parse(source));
      } catch (error) {
        throw new Error(`${language} ${key} does not parse: ${(error as Error).message}`);
      }
      for (const tag of used.tags) expect({ key, tag, allowed: (MESSAGE_TAGS as readonly string[]).includes(tag) }).toEqual({ key, tag, allowed: true });
      for (const arg of used.args) expect({ key, arg, inEnglish: english.args.has(arg) }).toEqual({ key, arg, inEnglish: true });
    }
  });

  it.each(LANGUAGES.filter((l) => l !== 'en'))('renders every %s message with no English sentence left in it and no argument unfilled', (language) => {
    const locale = LOCALE_OF[language];
    const values = sampleValues(locale);
    for (const key of EN_KEYS) {
      const rendered = message(locale, key, values);
      expect({ key, rendered }).not.toEqual({ key, rendered: message('en-US', key, sampleValues('en-US')) });
      // product names, invoice numbers and the provider's own code are data, not sentences
      const sentences = rendered.replace(/INV-[\d-]+|CN-[\d-]+|card_declined|ada@example\.test|Ada Lovelace|Europe\/Budapest|PDF/g, '');
      expect({ key, english: englishWordIn(sentences) }).toEqual({ key, english: null });
      expect({ key, unfilled: /[{}]/.test(rendered) }).toEqual({ key, unfilled: false });
    }
  });

  it('renders every English message with every argument filled', () => {
    for (const key of EN_KEYS) expect(message('en-US', key, sampleValues('en-US'))).not.toMatch(/[{}]/);
  });
});

describe('message', () => {
  it('puts plurals right in each language: "1 day" / "14 days", Hungarian, Japanese and Arabic rules', () => {
    expect(message('en-US', 'invoice.paymentTerms', { days: 1 })).toBe('Payable within 1 day of issue.');
    expect(message('en-GB', 'invoice.paymentTerms', { days: 14 })).toBe('Payable within 14 days of issue.');
    expect(message('de-DE', 'invoice.paymentTerms', { days: 1 })).toBe('Zahlbar innerhalb von 1 Tag nach Rechnungsdatum.');
    expect(message('de-DE', 'invoice.paymentTerms', { days: 30 })).toBe('Zahlbar innerhalb von 30 Tagen nach Rechnungsdatum.');
    // Hungarian counts with the singular noun ("2 számla"), Japanese has no plural at all
    expect(message('hu-HU', 'hold.unpaidHeading', { count: 2 })).toBe('Ez a 2 számla nincs kifizetve:');
    expect(message('hu-HU', 'hold.unpaidHeading', { count: 1 })).toBe('Ez a számla nincs kifizetve:');
    expect(message('ja-JP', 'hold.unpaidHeading', { count: 1 })).toBe('未払いの請求書(1件):');
    // Arabic: one, two (dual), few (3–10), many (11–99), with the locale's digits
    expect(message('ar-KW', 'invoice.paymentTerms', { days: 1 })).toBe('مستحقة الدفع خلال يوم واحد من الإصدار.');
    expect(message('ar-KW', 'invoice.paymentTerms', { days: 2 })).toBe('مستحقة الدفع خلال يومين من الإصدار.');
    expect(message('ar-KW', 'invoice.paymentTerms', { days: 3 })).toBe('مستحقة الدفع خلال ٣ أيام من الإصدار.');
    expect(message('ar-KW', 'invoice.paymentTerms', { days: 14 })).toBe('مستحقة الدفع خلال ١٤ يومًا من الإصدار.');
  });

  it('chooses the catalog by the primary language of the locale, English for a language it has no catalog for', () => {
    expect(languageOf('de-AT')).toBe('de');
    expect(languageOf('fr-CA')).toBe('fr');
    expect(languageOf('pt-BR')).toBe('en');
    expect(message('de-AT', 'invoice.title')).toBe('Rechnung');
    expect(message('pt-BR', 'invoice.title')).toBe('Invoice');
  });

  it('falls back to the whole English message, formatted by English rules, when a catalog lacks the key', () => {
    const withoutTerms = { ...CATALOGS, de: { ...CATALOGS.de, 'invoice.paymentTerms': undefined } };
    expect(messageSource('de-DE', 'invoice.paymentTerms', withoutTerms)).toEqual({ language: 'en', source: CATALOGS.en['invoice.paymentTerms'] });
    expect(messageSource('de-DE', 'invoice.title', withoutTerms)).toEqual({ language: 'de', source: 'Rechnung' });
  });

  it('renders the b and link tags with the given functions, their text alone by default', () => {
    const values = { invoiceNumber: 'INV-1', amount: '$1.00', dueDate: 'May 1', failedAt: 'now' };
    expect(message('en-US', 'paymentFailed.intro', values)).toBe('We could not collect $1.00 for invoice INV-1 on now.');
    expect(
      message('en-US', 'paymentFailed.authenticate.action', values, { b: (c) => `*${c.join('')}*`, link: (c) => `[${c.join('')}](url)` }),
    ).toBe('Please [authenticate the payment of $1.00](url) before May 1.');
  });

  it('renders the same bytes whatever the process locale (Intl gets the customer locale and a fixed fallback)', () => {
    expect(message('zz-ZZ', 'invoice.paymentTerms', { days: 1000 })).toBe('Payable within 1,000 days of issue.');
  });

  it('says right-to-left for Arabic (and other RTL languages), left-to-right otherwise', () => {
    expect(textDirection('ar-KW')).toBe('rtl');
    expect(textDirection('ar')).toBe('rtl');
    expect(textDirection('he-IL')).toBe('rtl');
    expect(textDirection('ja-JP')).toBe('ltr');
    expect(textDirection('en-US')).toBe('ltr');
  });
});
