/**
 * What a failed SMTP send means for the email. Pure: works on the fields nodemailer puts on its
 * errors (`code`, `responseCode`, `command`, `response`), no I/O.
 *
 * - transient: try again later — 4xx replies (greylisting, mailbox busy, 451 local error),
 *   connection/socket/TLS/DNS errors and timeouts, and server-level refusals that are not about
 *   this email (authentication, a 5xx to EHLO or MAIL FROM: our configuration, not the customer's).
 * - permanent: the server refused this message for good — a 5xx to RCPT TO (mailbox does not
 *   exist) or to DATA (content refused). Retrying cannot help: the email is marked failed.
 * A transient failure says whether it is about this email (`scope: 'email'`: a 4xx to RCPT TO /
 * DATA) or about the server as a whole (`scope: 'server'`: connection, TLS, auth, a reply to
 * the greeting, EHLO or MAIL FROM). A server-wide failure is an outage: it never dead-letters.
 * - unexpected: not an SMTP outcome at all (a bug); the caller lets it surface as an error so the
 *   event is dead-lettered with the reason instead of being silently dropped or retried forever.
 */
export interface SmtpFailure {
  code?: string | null;
  responseCode?: number | null;
  command?: string | null;
  response?: string | null;
  message: string;
}

export type SmtpFailureClass =
  | { kind: 'transient'; smtpCode: number | null; reason: string; scope: 'email' | 'server' }
  | { kind: 'permanent'; smtpCode: number | null; reason: string }
  | { kind: 'unexpected'; reason: string };

const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROTOCOL',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EMAXLIMIT',
  'EAUTH',
  'ENOAUTH',
  'ESTREAM',
]);

/** Recipient- or message-level commands: a 5xx there is about this email. */
const MESSAGE_COMMANDS = /^(RCPT|DATA|BDAT|\.)/i;
/** nodemailer's codes for an envelope/message problem (no recipient, invalid address, bad content). */
const MESSAGE_CODES = new Set(['EENVELOPE', 'EMESSAGE']);

const MAX_REASON = 500;

function reasonOf(failure: SmtpFailure): string {
  const text = (failure.response ?? failure.message ?? '').replace(/\s+/g, ' ').trim() || 'SMTP send failed';
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}

export function classifySmtpFailure(failure: SmtpFailure): SmtpFailureClass {
  const smtpCode = typeof failure.responseCode === 'number' && Number.isInteger(failure.responseCode) ? failure.responseCode : null;
  const code = failure.code ?? '';
  const reason = reasonOf(failure);

  const aboutThisEmail = MESSAGE_COMMANDS.test(failure.command ?? '') || (MESSAGE_CODES.has(code) && !failure.command);
  if (smtpCode !== null && smtpCode >= 400 && smtpCode < 500) {
    return { kind: 'transient', smtpCode, reason, scope: aboutThisEmail ? 'email' : 'server' };
  }
  if (code === 'EAUTH' || code === 'ENOAUTH') return { kind: 'transient', smtpCode, reason, scope: 'server' };
  if (smtpCode !== null && smtpCode >= 500 && smtpCode < 600) {
    return aboutThisEmail ? { kind: 'permanent', smtpCode, reason } : { kind: 'transient', smtpCode, reason, scope: 'server' };
  }
  if (CONNECTION_CODES.has(code)) return { kind: 'transient', smtpCode, reason, scope: 'server' };
  if (MESSAGE_CODES.has(code)) return { kind: 'permanent', smtpCode, reason };
  return { kind: 'unexpected', reason };
}
