import { createHash } from 'node:crypto';
import type { EmailTemplateName } from './email-view';

/**
 * Identity of an email: one per (subject, template). Everything here derives from the key, so
 * a re-send after a crash carries the same Message-ID and MIME boundary as the first attempt.
 */

export const DEFAULT_MESSAGE_ID_DOMAIN = 'billing.local';

const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export function emailKeyFor(template: EmailTemplateName, subjectId: string): string {
  return `${template}:${subjectId}`;
}

function digest(emailKey: string): string {
  return createHash('sha256').update(emailKey, 'utf8').digest('hex');
}

/** `<first 32 hex chars of sha256(emailKey)@domain>`. */
export function messageIdFor(emailKey: string, domain: string = DEFAULT_MESSAGE_ID_DOMAIN): string {
  if (!DOMAIN.test(domain)) throw new RangeError(`not a valid Message-ID domain: ${domain}`);
  return `<${digest(emailKey).slice(0, 32)}@${domain}>`;
}

/** A deterministic MIME boundary seed (nodemailer's `baseBoundary`), so re-sent bytes are identical. */
export function mimeBoundaryFor(emailKey: string): string {
  return digest(emailKey).slice(32, 48);
}
