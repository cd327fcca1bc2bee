import Handlebars, { type HelperOptions } from 'handlebars';
import {
  formatDate,
  formatDecimal,
  formatInstant,
  formatMoney,
  formatPeriod,
  formatUnitPrice,
  message,
  textDirection,
  type MessageKey,
  type MessageTags,
  type MessageValues,
} from '@billing/i18n';
import { invoicePageUrl } from '@billing/documents';
import { DEFAULT_INVOICE_PAGE_LINKS, expandLink, type EmailLinks } from './links';

type HandlebarsInstance = ReturnType<typeof import('handlebars').create>;

/**
 * Template helpers. Locale and time zone come from the root context's `customer` (the snapshot on
 * the event), never from the process:
 *   {{money totalMinor currency}}   {{unitPrice unitPrice currency}}   {{number quantity}}
 *   {{instant issuedAt}}            {{date dueAt}}                      {{period period}}
 *   {{#if (eq reason "paid")}}
 *   {{authenticationUrl invoiceNumber invoiceId}}   the configured link, its placeholders filled in
 *   {{t "invoice.issued" invoiceNumber=invoiceNumber period=(period period)}}
 *                                   a sentence from the @billing/i18n catalogs in the customer's language;
 *                                   in HTML its values are escaped, <b> becomes <strong> and <link> an
 *                                   anchor to the `href=` argument; in text both keep their words only
 *   {{direction customer.locale}}   "rtl" or "ltr"
 *   {{invoicePageUrl invoiceId issuedAt}}   the signed link to the hosted invoice page (expiry from issuedAt)
 */

function customerOf(name: string, options: HelperOptions): { locale: string; timeZone: string } {
  const customer = (options.data?.root as { customer?: { locale?: unknown; timeZone?: unknown } } | undefined)
    ?.customer;
  if (typeof customer?.locale !== 'string' || typeof customer.timeZone !== 'string') {
    throw new TypeError(`{{${name}}} needs customer.locale and customer.timeZone in the root context`);
  }
  return { locale: customer.locale, timeZone: customer.timeZone };
}

function string(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`{{${name}}} expected a string, got ${JSON.stringify(value)}`);
  return value;
}

function integer(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new TypeError(`{{${name}}} expected an integer amount of minor units, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Registers a helper that takes exactly `arity` positional arguments (Handlebars appends `options`). */
function define(
  hbs: HandlebarsInstance,
  name: string,
  arity: number,
  fn: (args: unknown[], options: HelperOptions) => unknown,
): void {
  hbs.registerHelper(name, function (this: unknown, ...all: unknown[]) {
    const options = all.pop() as HelperOptions;
    if (all.length !== arity) throw new TypeError(`{{${name}}} takes ${arity} argument(s), got ${all.length}`);
    return fn(all, options);
  });
}

function messageValues(name: string, hash: Record<string, unknown>, escape: boolean): MessageValues {
  const values: MessageValues = {};
  for (const [key, value] of Object.entries(hash)) {
    if (typeof value === 'number') values[key] = value;
    else if (typeof value === 'string') values[key] = escape ? Handlebars.Utils.escapeExpression(value) : value;
    else throw new TypeError(`{{${name}}} argument ${key} must be a string or number, got ${JSON.stringify(value)}`);
  }
  return values;
}

/** `{{t "key" arg=value …}}` for HTML (escaped values, markup from tags) or plain text. */
function defineTranslate(hbs: HandlebarsInstance, kind: 'html' | 'text'): void {
  define(hbs, 't', 1, ([key], o) => {
    const { href, ...hash } = (o.hash ?? {}) as Record<string, unknown>;
    const locale = customerOf('t', o).locale;
    if (kind === 'text') return message(locale, string('t', key) as MessageKey, messageValues('t', hash, false));
    const tags: MessageTags = {
      b: (chunks) => `<strong>${chunks.join('')}</strong>`,
      link: (chunks) => `<a href="${Handlebars.Utils.escapeExpression(string('t href', href))}">${chunks.join('')}</a>`,
    };
    return new Handlebars.SafeString(message(locale, string('t', key) as MessageKey, messageValues('t', hash, true), tags));
  });
}

export function registerHelpers(hbs: HandlebarsInstance, links: EmailLinks, kind: 'html' | 'text'): void {
  defineTranslate(hbs, kind);
  define(hbs, 'direction', 1, ([locale]) => textDirection(string('direction', locale)));
  define(hbs, 'money', 2, ([amount, currency], o) =>
    formatMoney(integer('money', amount), string('money', currency), customerOf('money', o).locale),
  );
  define(hbs, 'unitPrice', 2, ([price, currency], o) =>
    formatUnitPrice(string('unitPrice', price), string('unitPrice', currency), customerOf('unitPrice', o).locale),
  );
  define(hbs, 'number', 1, ([value], o) => formatDecimal(string('number', value), customerOf('number', o).locale));
  define(hbs, 'instant', 1, ([iso], o) => {
    const { locale, timeZone } = customerOf('instant', o);
    return formatInstant(string('instant', iso), timeZone, locale);
  });
  define(hbs, 'date', 1, ([iso], o) => {
    const { locale, timeZone } = customerOf('date', o);
    return formatDate(string('date', iso), timeZone, locale);
  });
  define(hbs, 'period', 1, ([period], o) => formatPeriod(string('period', period), customerOf('period', o).locale));
  define(hbs, 'eq', 2, ([a, b]) => a === b);
  define(hbs, 'invoicePageUrl', 2, ([invoiceId, issuedAt]) =>
    invoicePageUrl(
      { invoiceId: string('invoicePageUrl', invoiceId), issuedAt: string('invoicePageUrl', issuedAt) },
      links.invoicePage ?? DEFAULT_INVOICE_PAGE_LINKS,
    ),
  );
  define(hbs, 'authenticationUrl', 2, ([invoiceNumber, invoiceId]) =>
    expandLink(links.paymentAuthenticationUrl, {
      invoiceNumber: string('authenticationUrl', invoiceNumber),
      invoiceId: string('authenticationUrl', invoiceId),
    }),
  );
}
