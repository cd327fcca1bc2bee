import { v7 } from 'uuid';

/**
 * A new id for a row or an event: a UUID version 7 (RFC 9562), whose leading 48 bits are the
 * creation time in milliseconds. Ids written together sit together in every B-tree keyed on them
 * (inbox, projection_events, invoices, invoice_lines, charge_attempts...), so an insert touches the
 * index's right edge instead of a random leaf page. With random (v4) ids, once an index outgrows
 * shared buffers nearly every insert reads a page back from the OS, and each month's close got
 * slower than the last as those indexes grew. The 74 random bits keep ids unguessable enough for
 * keys that are not secrets; nothing here uses an id as a capability.
 */
export function newId(): string {
  return v7();
}
