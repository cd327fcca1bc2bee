import { z } from 'zod';
import { invoicePageConfigShape, type InvoicePageLinks } from '@billing/documents';

/**
 * Links the emails send customers to, configured per deployment as URL templates with
 * placeholders filled from the event. Pure: the same event and template give the same link.
 */

/** The placeholders a link template may use, each replaced by the URL-encoded value from the event. */
export const LINK_PLACEHOLDERS = ['invoiceNumber', 'invoiceId'] as const;
export type LinkPlaceholder = (typeof LINK_PLACEHOLDERS)[number];

/**
 * Where a customer authenticates a payment their bank asked them to confirm (3-D Secure).
 * The local stack has no customer portal: this default points at a local placeholder page; every
 * real deployment sets PAYMENT_AUTHENTICATION_URL to its customer-facing payment page.
 */
export const DEFAULT_PAYMENT_AUTHENTICATION_URL = 'http://127.0.0.1:3002/authenticate/{invoiceNumber}';

export interface EmailLinks {
  /** URL template with `{invoiceNumber}` and/or `{invoiceId}`. */
  paymentAuthenticationUrl: string;
  /** The hosted invoice page the invoice email links to (signed, expiring; the local defaults when absent). */
  invoicePage?: InvoicePageLinks;
}

const pageDefaults = z.object(invoicePageConfigShape).parse({});
/** The hosted-page link settings of the local stack (the INVOICE_PAGE_* defaults). */
export const DEFAULT_INVOICE_PAGE_LINKS: InvoicePageLinks = {
  secret: pageDefaults.INVOICE_PAGE_SECRET,
  baseUrl: pageDefaults.INVOICE_PAGE_BASE_URL,
  validityDays: pageDefaults.INVOICE_PAGE_VALIDITY_DAYS,
};

export const DEFAULT_EMAIL_LINKS: EmailLinks = { paymentAuthenticationUrl: DEFAULT_PAYMENT_AUTHENTICATION_URL, invoicePage: DEFAULT_INVOICE_PAGE_LINKS };

const PLACEHOLDER = /\{([^{}]*)\}/g;

export function expandLink(template: string, values: Record<LinkPlaceholder, string>): string {
  return template.replace(PLACEHOLDER, (_whole, name: string) => encodeURIComponent(values[name as LinkPlaceholder]));
}

/**
 * Why a link template is unusable, or null: it must be an absolute http(s) URL once filled in,
 * use at least one placeholder (a link that names no invoice cannot lead to the payment) and no
 * placeholder we do not know.
 */
export function linkTemplateProblem(template: string): string | null {
  const used = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]);
  const unknown = used.filter((name) => !(LINK_PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown.length > 0) return `unknown placeholder(s) ${unknown.map((n) => `{${n}}`).join(', ')}; use ${LINK_PLACEHOLDERS.map((n) => `{${n}}`).join(' or ')}`;
  if (used.length === 0) return `must contain ${LINK_PLACEHOLDERS.map((n) => `{${n}}`).join(' or ')}`;
  if (/[{}]/.test(template.replace(PLACEHOLDER, ''))) return 'has an unbalanced { or }';
  let url: URL;
  try {
    url = new URL(expandLink(template, { invoiceNumber: 'INV-2026-11-000001', invoiceId: '00000000-0000-4000-8000-000000000000' }));
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  return null;
}
