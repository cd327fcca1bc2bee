import { IntlMessageFormat } from 'intl-messageformat';
import { LRUCache } from 'lru-cache';
import ar from './catalogs/ar.json';
import de from './catalogs/de.json';
import en from './catalogs/en.json';
import fr from './catalogs/fr.json';
import hu from './catalogs/hu.json';
import ja from './catalogs/ja.json';
import { FALLBACK_LOCALE } from './format';

/**
 * Customer-facing sentences, in ICU MessageFormat, one JSON catalog per language under
 * `catalogs/` (a translator edits those files; keys are the English catalog's). A message is
 * chosen by the account's locale: its language's catalog when it has the key, else the English
 * message as a whole — a sentence is never assembled from two languages. Plurals and selects are
 * resolved with the language's own rules (Intl.PluralRules: "1 day" / "2 days", Hungarian,
 * Japanese and Arabic categories).
 *
 * Amounts and dates are passed in already formatted (see format.ts), so an email, the PDF and
 * the hosted page show them identically. Rich text uses two tags: `<b>…</b>` (emphasis) and
 * `<link>…</link>` (the message's link); plain-text rendering keeps their content only.
 */

export const LANGUAGES = ['en', 'de', 'fr', 'hu', 'ja', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];
export type MessageKey = keyof typeof en;
export type Catalog = Partial<Record<MessageKey, string>>;

export const CATALOGS: Readonly<Record<Language, Catalog>> = { en, de, fr, hu, ja, ar };

/** The tags a message may use, and what they turn into. */
export const MESSAGE_TAGS = ['b', 'link'] as const;
export type MessageTags = Record<(typeof MESSAGE_TAGS)[number], (chunks: string[]) => string>;
export type MessageValues = Record<string, string | number>;

const RTL_LANGUAGES: ReadonlySet<string> = new Set(['ar', 'he', 'fa', 'ur']);

function primaryLanguage(locale: string): string {
  return locale.split(/[-_]/)[0].toLowerCase();
}

/** The catalog language for a BCP 47 locale: its primary language if we have that catalog, else English. */
export function languageOf(locale: string): Language {
  const language = primaryLanguage(locale);
  return (LANGUAGES as readonly string[]).includes(language) ? (language as Language) : 'en';
}

/** Writing direction of the locale's language (for `dir=` in HTML and right alignment in the PDF). */
export function textDirection(locale: string): 'ltr' | 'rtl' {
  return RTL_LANGUAGES.has(primaryLanguage(locale)) ? 'rtl' : 'ltr';
}

const PLAIN_TAGS: MessageTags = { b: (chunks) => chunks.join(''), link: (chunks) => chunks.join('') };

const compiled = new LRUCache<string, IntlMessageFormat, { source: string; locales: string[] }>({
  max: 5000,
  memoMethod: (_key, _stale, { context }) => new IntlMessageFormat(context.source, context.locales),
});

/** The message source and the language it is in: the locale's catalog, or English as a whole. */
export function messageSource(
  locale: string,
  key: MessageKey,
  catalogs: Readonly<Record<Language, Catalog>> = CATALOGS,
): { language: Language; source: string } {
  const language = languageOf(locale);
  const source = catalogs[language][key];
  if (source !== undefined) return { language, source };
  return { language: 'en', source: en[key] };
}

/**
 * Renders one message for a locale. `tags` render `<b>` and `<link>` (default: their text only);
 * values are inserted as given (an HTML caller escapes them first). Never reads the process's
 * locale: Intl gets the customer's locale followed by our fixed fallback.
 */
export function message(locale: string, key: MessageKey, values: MessageValues = {}, tags: MessageTags = PLAIN_TAGS): string {
  const { language, source } = messageSource(locale, key);
  // An English fallback message is formatted (its plurals, its `#`) as English, not by the customer's rules.
  const locales = language === languageOf(locale) ? [locale, FALLBACK_LOCALE] : [FALLBACK_LOCALE];
  const format = compiled.memo(`${locales.join(',')}\u0000${language}\u0000${key}`, { context: { source, locales } });
  const out = format.format<string>({ ...values, ...tags });
  return Array.isArray(out) ? out.join('') : String(out);
}

/** `message` bound to one locale: `t('invoice.title')`. */
export type Translate = (key: MessageKey, values?: MessageValues, tags?: MessageTags) => string;

export function translator(locale: string): Translate {
  return (key, values, tags) => message(locale, key, values, tags);
}
