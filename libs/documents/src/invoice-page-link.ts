import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * The customer's link to the hosted page of an invoice: `${INVOICE_PAGE_BASE_URL}/${token}`, with
 * no login. The token names the invoice and when the link expires, signed with HMAC-SHA256:
 *   <invoiceId>.<expiresAt, unix seconds>.<base64url signature of "<invoiceId>.<expiresAt>">
 * It is computed from the invoice alone — expiry = issuedAt + the configured validity, never
 * "now" — so the invoice email that carries it re-renders byte-identical.
 */

const DAY_SECONDS = 24 * 60 * 60;

/** Config both the service that serves the page (invoicing) and the one that links to it (notifications) read. */
export const invoicePageConfigShape = {
  /** HMAC key of the page links: at least 32 characters; the same value in invoicing and notifications. */
  INVOICE_PAGE_SECRET: z
    .string()
    .min(32, { message: 'must be at least 32 characters' })
    .default('local-development-only-invoice-page-secret'),
  /** Base URL of the hosted invoice pages (the invoicing service's `/i`). */
  INVOICE_PAGE_BASE_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), { message: 'must be an http(s) URL' })
    .transform((u) => u.replace(/\/+$/, ''))
    .default('http://127.0.0.1:3001/i'),
  /** Days from an invoice's issue during which its page link works. */
  INVOICE_PAGE_VALIDITY_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
};

export interface InvoicePageLinks {
  secret: string;
  baseUrl: string;
  validityDays: number;
}

function signature(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** The token of an invoice's page; expires `validityDays` after `issuedAt`. */
export function invoicePageToken(invoice: { invoiceId: string; issuedAt: string }, links: Pick<InvoicePageLinks, 'secret' | 'validityDays'>): string {
  const expiresAt = Math.floor(Date.parse(invoice.issuedAt) / 1000) + links.validityDays * DAY_SECONDS;
  const payload = `${invoice.invoiceId}.${expiresAt}`;
  return `${payload}.${signature(links.secret, payload)}`;
}

export function invoicePageUrl(invoice: { invoiceId: string; issuedAt: string }, links: InvoicePageLinks): string {
  return `${links.baseUrl}/${invoicePageToken(invoice, links)}`;
}

const TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/** The invoice a token names, or null when it is malformed, tampered with or expired at `now` (ISO instant). */
export function verifyInvoicePageToken(token: string, secret: string, now: string): { invoiceId: string } | null {
  const match = TOKEN.exec(token);
  if (!match) return null;
  const [, invoiceId, expiresAt, given] = match;
  const expected = Buffer.from(signature(secret, `${invoiceId}.${expiresAt}`));
  if (!timingSafeEqual(expected, Buffer.from(given))) return null;
  if (Number(expiresAt) * 1000 <= Date.parse(now)) return null;
  return { invoiceId };
}
