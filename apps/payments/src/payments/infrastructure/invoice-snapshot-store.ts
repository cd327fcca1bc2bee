import { EntityManager } from 'typeorm';
import { CustomerSnapshot, InvoiceCollection } from '@billing/events';
import { CurrencyCode } from '@billing/money';
import { toSafeInteger, toUtcIso } from '@billing/messaging';
import { InvoiceSnapshot } from '../domain/invoice-snapshot';

/**
 * SQL of `payment_invoices`: the immutable invoice snapshots and their collected amount. Every
 * write is one bulk statement (unnest / ON CONFLICT) for the whole batch.
 */

export async function saveInvoiceSnapshots(
  manager: EntityManager,
  invoices: readonly (Omit<InvoiceSnapshot, 'collectedMinor' | 'creditedMinor'> & { sourceEventId: string })[],
  receivedAt: Date,
): Promise<void> {
  if (invoices.length === 0) return;
  await manager.query(
    `INSERT INTO payment_invoices (invoice_id, account_id, invoice_number, currency, total_minor, customer,
       provider_customer_id, payment_method_id, issued_at, due_at, correlation_id, source_event_id, collection, received_at)
     SELECT u.*, $14::timestamptz
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::char(3)[], $5::bigint[], $6::jsonb[],
       $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::uuid[], $13::text[]) AS u
     ON CONFLICT (invoice_id) DO NOTHING`,
    [
      invoices.map((i) => i.invoiceId),
      invoices.map((i) => i.accountId),
      invoices.map((i) => i.invoiceNumber),
      invoices.map((i) => i.currency),
      invoices.map((i) => String(i.totalMinor)),
      invoices.map((i) => JSON.stringify(i.customer)),
      invoices.map((i) => i.providerCustomerId),
      invoices.map((i) => i.paymentMethodId),
      invoices.map((i) => i.issuedAt),
      invoices.map((i) => i.dueAt),
      invoices.map((i) => i.correlationId),
      invoices.map((i) => i.sourceEventId),
      invoices.map((i) => i.collection),
      receivedAt.toISOString(),
    ],
  );
}

interface InvoiceRecord {
  invoice_id: string;
  account_id: string;
  invoice_number: string;
  currency: string;
  total_minor: string;
  collected_minor: string;
  credited_minor: string;
  customer: CustomerSnapshot;
  provider_customer_id: string | null;
  payment_method_id: string | null;
  collection: InvoiceCollection | null;
  issued_at: Date;
  due_at: Date;
  correlation_id: string;
}

function toInvoice(r: InvoiceRecord): InvoiceSnapshot {
  return {
    invoiceId: r.invoice_id,
    accountId: r.account_id,
    invoiceNumber: r.invoice_number,
    currency: r.currency as CurrencyCode,
    totalMinor: toSafeInteger(r.total_minor, 'total_minor'),
    collectedMinor: toSafeInteger(r.collected_minor, 'collected_minor'),
    creditedMinor: toSafeInteger(r.credited_minor, 'credited_minor'),
    customer: r.customer,
    providerCustomerId: r.provider_customer_id,
    paymentMethodId: r.payment_method_id,
    collection: r.collection,
    issuedAt: toUtcIso(r.issued_at),
    dueAt: toUtcIso(r.due_at),
    correlationId: r.correlation_id,
  };
}

/**
 * The snapshots of these invoices. `lock`: FOR UPDATE, in invoice id order (no deadlock between
 * two writers): the charge plan and an offline payment of one invoice take turns, so neither
 * decides from a `collected_minor` the other is about to change.
 */
export async function findInvoices(
  manager: EntityManager,
  invoiceIds: readonly string[],
  { lock = false } = {},
): Promise<Map<string, InvoiceSnapshot>> {
  if (invoiceIds.length === 0) return new Map();
  const rows: InvoiceRecord[] = await manager.query(
    `SELECT * FROM payment_invoices WHERE invoice_id = ANY($1::uuid[])${lock ? ' ORDER BY invoice_id FOR UPDATE' : ''}`,
    [[...new Set(invoiceIds)]],
  );
  return new Map(rows.map((r) => [r.invoice_id, toInvoice(r)]));
}

/** Card charges that succeeded and offline payments, added to what the invoices collected. */
export function addCollected(manager: EntityManager, collected: ReadonlyMap<string, number>): Promise<void> {
  return addToInvoices(manager, 'collected_minor', collected);
}

/** Credit-note parts applied to what the invoices owed (CreditNoteSettled.appliedToOutstandingMinor). */
export function addCredited(manager: EntityManager, credited: ReadonlyMap<string, number>): Promise<void> {
  return addToInvoices(manager, 'credited_minor', credited);
}

async function addToInvoices(
  manager: EntityManager,
  column: 'collected_minor' | 'credited_minor',
  amounts: ReadonlyMap<string, number>,
): Promise<void> {
  if (amounts.size === 0) return;
  await manager.query(
    `UPDATE payment_invoices i SET ${column} = i.${column} + c.amount
     FROM unnest($1::uuid[], $2::bigint[]) AS c(invoice_id, amount)
     WHERE i.invoice_id = c.invoice_id`,
    [[...amounts.keys()], [...amounts.values()].map(String)],
  );
}
