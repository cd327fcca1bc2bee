import path from 'node:path';
import { z } from 'zod';
import { invoicePageConfigShape, sellerConfigShape } from '@billing/documents';
import { loadConfig } from '@billing/messaging';

const flag = z
  .enum(['true', 'false', '1', '0'])
  .default('true')
  .transform((v) => v === 'true' || v === '1');

/** The invoicing service's configuration, validated once at start-up. */
export const invoicingConfigShape = {
  /** Days between an invoice's issue and its due date. */
  PAYMENT_TERMS_DAYS: z.coerce.number().int().min(0).max(365).default(14),
  /** Accounts invoiced per month-close transaction (keyset page size). */
  MONTH_CLOSE_PAGE_SIZE: z.coerce.number().int().min(1).max(5_000).default(500),
  /** Real-time pause between two month-close pages (throttles database load; 0 = none). */
  MONTH_CLOSE_PAGE_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** How often (real time) the month-close worker looks for runs to work on, and re-reads the clock for waiting zones. */
  MONTH_CLOSE_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  /** MonthCloseProgressed is emitted after the first page of each pass, every this many pages after it, and at the end of each pass. */
  MONTH_CLOSE_PROGRESS_EVERY_PAGES: z.coerce.number().int().min(1).max(10_000).default(10),
  /** An account is invoiced for P only from monthEndedAt(P, zone) + this grace (late usage settles). */
  MONTH_CLOSE_GRACE_MINUTES: z.coerce.number().int().min(0).max(7 * 24 * 60).default(60),
  /** The scheduler requests the month close of the month that just ended, once per period. */
  MONTH_CLOSE_SCHEDULE_ENABLED: flag,
  /** How often (real time) the scheduler checks the clock. */
  MONTH_CLOSE_SCHEDULE_CHECK_MS: z.coerce.number().int().min(10).max(3_600_000).default(60_000),
  /** Seed price list, loaded at start-up when the product table is empty. */
  PRICE_LIST_FILE: z.string().min(1).default(path.resolve(__dirname, '../seed/price-list.json')),
  /** The seller block of invoice documents (SELLER_NAME, SELLER_ADDRESS, SELLER_TAX_ID, SELLER_EMAIL). */
  ...sellerConfigShape,
  ...invoicePageConfigShape,
};

export function loadInvoicingConfig(env: Record<string, string | undefined>) {
  return loadConfig('invoicing', 3001, invoicingConfigShape, env);
}

export type InvoicingConfig = ReturnType<typeof loadInvoicingConfig>;

/** Nest injection token of the validated config object. */
export const INVOICING_CONFIG = Symbol('INVOICING_CONFIG');
