import { z } from 'zod';
import type { InvoiceGeneratedV1, PayloadOf } from '@billing/events';
import {
  formatDate,
  formatDecimal,
  formatMoney,
  formatPeriod,
  formatUnitPrice,
  translator,
  type MessageKey,
  type MessageValues,
} from '@billing/i18n';

/** An invoice as issued: the InvoiceGenerated payload (invoicing stores it as the invoice's snapshot). */
export type InvoiceSnapshot = PayloadOf<typeof InvoiceGeneratedV1>;

/** The seller block of every document (deployment config). */
export interface Seller {
  name: string;
  addressLines: readonly string[];
  taxId: string | null;
  email: string | null;
}

/**
 * Config of the seller block, read by every service that renders documents (invoicing serves the
 * PDF, notifications attaches it): the same values give the same bytes.
 */
export const sellerConfigShape = {
  SELLER_NAME: z.string().trim().min(1).default('Billing Example Ltd'),
  /** Address lines of the seller, separated by `|`. */
  SELLER_ADDRESS: z
    .string()
    .default('1 Example Street|1000 Example City')
    .transform((v) => v.split('|').map((l) => l.trim()).filter(Boolean)),
  SELLER_TAX_ID: z.string().trim().min(1).optional(),
  SELLER_EMAIL: z.string().email().optional(),
};

export function sellerOf(config: { SELLER_NAME: string; SELLER_ADDRESS: string[]; SELLER_TAX_ID?: string; SELLER_EMAIL?: string }): Seller {
  return { name: config.SELLER_NAME, addressLines: config.SELLER_ADDRESS, taxId: config.SELLER_TAX_ID ?? null, email: config.SELLER_EMAIL ?? null };
}

/**
 * Which sentence says how the invoice will be collected (the decision invoicing made at issue,
 * the same one the invoice email renders), and its amount.
 */
export function collectionMessage(invoice: InvoiceSnapshot): { key: MessageKey; amountMinor: number } {
  const total = invoice.totalMinor;
  switch (invoice.collection) {
    case undefined:
      if (!invoice.requiresCharge) return { key: 'invoice.collect.nothingDue', amountMinor: 0 };
      return { key: invoice.payment.paymentMethodId !== null ? 'invoice.collect.willCharge' : 'invoice.collect.mustPay', amountMinor: total };
    case 'nothing_due':
      return { key: 'invoice.collect.nothingDue', amountMinor: 0 };
    case 'charge_automatically':
      return { key: 'invoice.collect.chargeAutomatically', amountMinor: total };
    case 'below_provider_minimum':
      return { key: 'invoice.collect.belowMinimum', amountMinor: invoice.carriedForwardMinor ?? total };
    case 'no_payment_method':
      return { key: 'invoice.collect.noPaymentMethod', amountMinor: total };
    default:
      return { key: 'invoice.collect.manual', amountMinor: total };
  }
}

export interface DocumentLine {
  description: string;
  notes: string[];
  quantity: string | null;
  unitPrice: string | null;
  amount: string;
}

/**
 * Everything a document of the invoice says, as text in the customer's language and formats
 * (the same catalogs and formatting as the invoice email). Pure: from the snapshot alone.
 */
export function invoiceContent(invoice: InvoiceSnapshot, seller: Seller) {
  const { locale, timeZone } = invoice.customer;
  const t = translator(locale);
  const money = (minor: number) => formatMoney(minor, invoice.currency, locale);
  const date = (instant: string) => formatDate(instant, timeZone, locale);
  // periodEnd is the exclusive end instant: the last day of the period is the day of the instant before it
  const lastInstant = new Date(Date.parse(invoice.periodEnd) - 1).toISOString().replace(/\.\d{3}Z$/, '.999Z');
  const collection = collectionMessage(invoice);
  const collectionValues: MessageValues = {
    amount: money(collection.amountMinor),
    dueDate: date(invoice.dueAt),
    invoiceNumber: invoice.invoiceNumber,
  };
  const lines: DocumentLine[] = invoice.lines.map((line) => {
    if (line.kind === 'carried_balance') {
      return {
        description: line.carriedFromInvoiceNumber
          ? t('invoice.lines.carriedFrom', { invoiceNumber: line.carriedFromInvoiceNumber })
          : t('invoice.lines.carriedFromEarlier'),
        notes: [],
        quantity: null,
        unitPrice: null,
        amount: money(line.amountMinor),
      };
    }
    const notes: string[] = [];
    if (line.usagePeriod !== invoice.period) notes.push(t('invoice.lines.lateUsage', { period: formatPeriod(line.usagePeriod, locale) }));
    if (line.capped) notes.push(t('invoice.lines.capped'));
    return {
      description: line.description,
      notes,
      quantity: `${formatDecimal(line.quantity, locale)} ${line.unit}`,
      unitPrice: formatUnitPrice(line.unitPrice, invoice.currency, locale),
      amount: money(line.amountMinor),
    };
  });
  return {
    locale,
    title: t('invoice.title'),
    invoiceNumber: invoice.invoiceNumber,
    seller: { label: t('invoice.from'), lines: [seller.name, ...seller.addressLines, ...(seller.taxId ? [seller.taxId] : []), ...(seller.email ? [seller.email] : [])] },
    customer: { label: t('invoice.billedTo'), lines: [invoice.customer.name, invoice.customer.email] },
    facts: [
      [t('invoice.number'), invoice.invoiceNumber],
      [t('invoice.period'), `${formatPeriod(invoice.period, locale)} (${t('invoice.periodRange', { start: date(invoice.periodStart), end: date(lastInstant) })})`],
      [t('invoice.issuedOn'), date(invoice.issuedAt)],
      [t('invoice.dueOn'), date(invoice.dueAt)],
    ] as [string, string][],
    columns: [t('invoice.lines.item'), t('invoice.lines.quantity'), t('invoice.lines.unitPrice'), t('invoice.lines.amount')],
    lines,
    noLines: t('invoice.lines.none'),
    totals: [
      [t('invoice.totals.subtotal'), money(invoice.subtotalMinor)],
      ...(invoice.creditAppliedMinor > 0 ? [[t('invoice.totals.creditApplied'), money(invoice.creditAppliedMinor)]] : []),
    ] as [string, string][],
    total: [t('invoice.totals.total'), money(invoice.totalMinor)] as [string, string],
    collection: t(collection.key, collectionValues),
    footer: t('common.footer.timeZone', { timeZone }),
  };
}

export type InvoiceContent = ReturnType<typeof invoiceContent>;
