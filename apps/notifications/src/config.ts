import { resolve } from 'node:path';
import { z } from 'zod';
import { invoicePageConfigShape, sellerConfigShape } from '@billing/documents';
import { ConfigError, loadConfig } from '@billing/messaging';
import { DEFAULT_PAYMENT_AUTHENTICATION_URL, linkTemplateProblem } from './notifications/domain/links';

/** The templates kept in the repo: apps/notifications/templates (this file lives in apps/notifications/src). */
export const DEFAULT_TEMPLATES_DIR = resolve(__dirname, '..', 'templates');

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
/** `Name <address>` or a bare address. */
const MAIL_FROM = /^(?:[^<>]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/;

/** The notifications service's configuration, validated once at start-up. */
export const notificationsConfigShape = {
  SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(1025),
  /** true: implicit TLS (port 465). false: plain, upgraded with STARTTLS when the server offers it. */
  SMTP_SECURE: z.stringbool().default(false),
  /** Optional credentials; never logged. */
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASS: z.string().min(1).optional(),
  SMTP_POOL_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100).default(5),
  SMTP_CONNECTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  SMTP_SOCKET_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
  /** Emails of one batch sent at the same time (bounded pool). */
  SMTP_SEND_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  /** Attempts for one email on a transient SMTP failure (4xx, connection error) before the batch is redelivered later. */
  SMTP_RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
  /** First back-off delay; doubles on each attempt up to SMTP_RETRY_MAX_MS. */
  SMTP_RETRY_BASE_MS: z.coerce.number().int().min(0).max(60_000).default(250),
  SMTP_RETRY_MAX_MS: z.coerce.number().int().min(0).max(60_000).default(4_000),
  MAIL_FROM: z.string().trim().regex(MAIL_FROM, { message: 'must be "Name <address>" or an address' }).default('Billing <billing@example.com>'),
  /** Right-hand side of every Message-ID. */
  MESSAGE_ID_DOMAIN: z.string().regex(HOST_NAME, { message: 'must be a domain name' }).default('billing.local'),
  /**
   * Where the payment-failed email sends a customer whose bank asks them to authenticate the
   * payment: an http(s) URL template with `{invoiceNumber}` and/or `{invoiceId}`. The default is
   * a local placeholder; set it to the customer-facing payment page in every real deployment.
   */
  PAYMENT_AUTHENTICATION_URL: z
    .string()
    .trim()
    .default(DEFAULT_PAYMENT_AUTHENTICATION_URL)
    .superRefine((template, ctx) => {
      const problem = linkTemplateProblem(template);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    }),
  TEMPLATES_DIR: z
    .string()
    .min(1)
    .default(DEFAULT_TEMPLATES_DIR)
    .transform((dir) => resolve(dir)),
  /** The hosted invoice page the invoice email links to: the same values as invoicing's. */
  ...invoicePageConfigShape,
  /**
   * Attach the invoice PDF to the invoice email (rendered here from the event with @billing/documents;
   * the SELLER_* values must equal invoicing's for the same bytes as its document.pdf).
   */
  INVOICE_EMAIL_ATTACH_PDF: z.stringbool().default(false),
  ...sellerConfigShape,
};

export function loadNotificationsConfig(env: Record<string, string | undefined>) {
  const config = loadConfig('notifications', 3003, notificationsConfigShape, env);
  if ((config.SMTP_USER === undefined) !== (config.SMTP_PASS === undefined)) {
    throw new ConfigError('invalid notifications configuration: SMTP_USER and SMTP_PASS must be set together');
  }
  return config;
}

export type NotificationsConfig = ReturnType<typeof loadNotificationsConfig>;

/** Nest injection token of the validated config object. */
export const NOTIFICATIONS_CONFIG = Symbol('NOTIFICATIONS_CONFIG');

/** The customer links the templates render, from the configuration. */
export function emailLinksOf(
  config: Pick<NotificationsConfig, 'PAYMENT_AUTHENTICATION_URL' | 'INVOICE_PAGE_SECRET' | 'INVOICE_PAGE_BASE_URL' | 'INVOICE_PAGE_VALIDITY_DAYS'>,
) {
  return {
    paymentAuthenticationUrl: config.PAYMENT_AUTHENTICATION_URL,
    invoicePage: { secret: config.INVOICE_PAGE_SECRET, baseUrl: config.INVOICE_PAGE_BASE_URL, validityDays: config.INVOICE_PAGE_VALIDITY_DAYS },
  };
}
