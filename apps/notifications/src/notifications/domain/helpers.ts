import type { HelperOptions } from 'handlebars';
import {
  formatDate,
  formatDecimal,
  formatInstant,
  formatMoney,
  formatPeriod,
  formatUnitPrice,
} from './format';
import { expandLink, type EmailLinks } from './links';

type HandlebarsInstance = ReturnType<typeof import('handlebars').create>;

/**
 * Template helpers. Locale and time zone come from the root context's `customer` (the snapshot on
 * the event), never from the process:
 *   {{money totalMinor currency}}   {{unitPrice unitPrice currency}}   {{number quantity}}
 *   {{instant issuedAt}}            {{date dueAt}}                      {{period period}}
 *   {{#if (eq reason "paid")}}
 *   {{authenticationUrl invoiceNumber invoiceId}}   the configured link, its placeholders filled in
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

export function registerHelpers(hbs: HandlebarsInstance, links: EmailLinks): void {
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
  define(hbs, 'authenticationUrl', 2, ([invoiceNumber, invoiceId]) =>
    expandLink(links.paymentAuthenticationUrl, {
      invoiceNumber: string('authenticationUrl', invoiceNumber),
      invoiceId: string('authenticationUrl', invoiceId),
    }),
  );
}
