import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import pino, { type Logger } from 'pino';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { handleHttpRequest } from './http-api';
import { RecipientRules, normalizeAddress, type RecipientMatcher } from './recipient-rules';

/** One message as the capture received it. Plain JSON; `index` is its position since the last clear. */
export interface CapturedMessage {
  index: number;
  /** The Message-ID header, angle brackets included, or null when the sender set none. */
  messageId: string | null;
  /** Address of the From header. */
  from: string | null;
  /** Addresses of the To header. */
  to: string[];
  cc: string[];
  /** The SMTP envelope (MAIL FROM / accepted RCPT TO), which is who really got the message (Bcc included). */
  envelope: { from: string | null; to: string[] };
  subject: string | null;
  text: string | null;
  html: string | null;
  /** Header name (lower case) to its unfolded raw value; a repeated header keeps its first value here. */
  headers: Record<string, string>;
  /** Every header line in order, unfolded: `{ key: 'received', value: '...' }`. */
  headerLines: { key: string; value: string }[];
  /** The message source exactly as received (decoded as UTF-8). */
  raw: string;
  receivedAt: string;
}

export interface SmtpCaptureOptions {
  /** 0 picks an ephemeral port; `start()` reports the real one. */
  smtpPort: number;
  httpPort: number;
  host?: string;
  /** RCPT TO addresses refused with a permanent 550. Strings are addresses or domains (`bounce.invalid`). */
  rejectRecipients?: RecipientMatcher;
  /** address -> N: the first N RCPT attempts for that address get 451, later ones are accepted. */
  tempFailRecipients?: Record<string, number>;
  /** Largest message accepted, in bytes (default 25 MiB). */
  maxMessageBytes?: number;
  logger?: Logger;
  /** Clock for `receivedAt` (this is a dev tool; injectable so tests can pin it). */
  now?: () => Date;
}

export interface SmtpCaptureConfigUpdate {
  rejectRecipients?: RecipientMatcher;
  tempFailRecipients?: Record<string, number>;
}

export interface SmtpCapture {
  start(): Promise<{ smtpPort: number; httpPort: number }>;
  stop(): Promise<void>;
  /** The messages captured since the last clear, oldest first (a copy). */
  messages(): Promise<CapturedMessage[]>;
  clear(): void;
  /** Replaces the given rejection rules (the same switch as `POST /api/config`). */
  configure(update: SmtpCaptureConfigUpdate): void;
}

/** Internal surface the HTTP adapter works against. */
export interface CaptureStore {
  messages(): Promise<CapturedMessage[]>;
  clear(): void;
  configure(update: SmtpCaptureConfigUpdate): void;
  rules(): ReturnType<RecipientRules['snapshot']>;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  if (!field) return [];
  const list = Array.isArray(field) ? field : [field];
  const out: string[] = [];
  const walk = (entries: AddressObject['value']): void => {
    for (const entry of entries) {
      if (entry.address) out.push(entry.address);
      if (entry.group) walk(entry.group);
    }
  };
  for (const item of list) walk(item.value);
  return out;
}

function unfoldHeaderLine(line: string): string {
  const colon = line.indexOf(':');
  return line
    .slice(colon + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}

/**
 * A message as received: its source and SMTP envelope. It is parsed (MIME, headers, text and
 * HTML) only when someone reads it, once: a benchmark sends tens of thousands of emails that
 * nobody reads, and parsing each on arrival cost the capture more than half the CPU of the
 * service it tests.
 */
interface Received {
  index: number;
  raw: Buffer;
  envelope: CapturedMessage['envelope'];
  receivedAt: string;
  parsed?: Promise<CapturedMessage>;
}

function envelopeOf(session: SMTPServerSession): CapturedMessage['envelope'] {
  const mailFrom = session.envelope.mailFrom;
  return { from: mailFrom ? mailFrom.address : null, to: session.envelope.rcptTo.map((r) => r.address) };
}

function toCaptured({ index, raw, envelope, receivedAt }: Received, parsed: ParsedMail): CapturedMessage {
  const headerLines = parsed.headerLines.map(({ key, line }) => ({ key, value: unfoldHeaderLine(line) }));
  const headers: Record<string, string> = {};
  for (const { key, value } of headerLines) if (!(key in headers)) headers[key] = value;
  return {
    index,
    messageId: parsed.messageId ?? null,
    from: addresses(parsed.from)[0] ?? null,
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    envelope,
    subject: parsed.subject ?? null,
    text: parsed.text ?? null,
    html: parsed.html === false ? null : (parsed.html ?? null),
    headers,
    headerLines,
    raw: raw.toString('utf8'),
    receivedAt,
  };
}

/** The parsed message (memoized); a source mailparser cannot read is served with its raw text only. */
function parse(received: Received): Promise<CapturedMessage> {
  received.parsed ??= simpleParser(received.raw).then(
    (parsed) => toCaptured(received, parsed),
    (): CapturedMessage => ({
      index: received.index,
      messageId: null,
      from: null,
      to: [],
      cc: [],
      envelope: received.envelope,
      subject: null,
      text: null,
      html: null,
      headers: {},
      headerLines: [],
      raw: received.raw.toString('utf8'),
      receivedAt: received.receivedAt,
    }),
  );
  return received.parsed;
}

class SmtpError extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

function listen(server: NetServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: NetServer): Promise<void> {
  return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
}

/** A real SMTP server that accepts mail without auth or TLS and keeps it in memory, plus a JSON HTTP API over it. */
export function createSmtpCapture(options: SmtpCaptureOptions): SmtpCapture {
  const host = options.host ?? '127.0.0.1';
  const log = options.logger ?? pino({ level: 'silent' });
  const now = options.now ?? (() => new Date());
  const maxBytes = options.maxMessageBytes ?? 25 * 1024 * 1024;
  const rules = new RecipientRules(options.rejectRecipients ?? [], options.tempFailRecipients ?? {});
  let stored: Received[] = [];

  const store: CaptureStore = {
    messages: () => Promise.all(stored.map(parse)),
    clear: () => {
      stored = [];
    },
    configure: (update) => {
      if (update.rejectRecipients !== undefined) rules.setReject(update.rejectRecipients);
      if (update.tempFailRecipients !== undefined) rules.setTempFail(update.tempFailRecipients);
      log.info({ rules: rules.snapshot() }, 'recipient rules updated');
    },
    rules: () => rules.snapshot(),
  };

  const smtp = new SMTPServer({
    secure: false,
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    size: maxBytes,
    logger: false,
    closeTimeout: 1000,
    // Any credentials are fine: the capture only records what was sent.
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onRcptTo(address, session, callback) {
      const verdict = rules.decide(address.address);
      if (verdict.kind === 'accept') return callback();
      log.info({ session: session.id, rcptTo: address.address, code: verdict.code }, 'recipient refused');
      callback(new SmtpError(verdict.code, verdict.message));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(new SmtpError(552, `5.3.4 message exceeds the ${maxBytes} byte limit`));
          return;
        }
        const received: Received = { index: stored.length, raw: Buffer.concat(chunks), envelope: envelopeOf(session), receivedAt: now().toISOString() };
        stored.push(received);
        log.info({ index: received.index, to: received.envelope.to, bytes: received.raw.length }, 'message captured');
        callback(null, `Captured as #${received.index}`);
      });
    },
  });
  smtp.on('error', (err) => log.error({ err }, 'smtp server error'));

  const http: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    handleHttpRequest(store, req, res).catch((err: Error) => {
      log.error({ err }, 'http request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal error' }));
    });
  });

  let started: Promise<{ smtpPort: number; httpPort: number }> | null = null;

  return {
    start() {
      started ??= (async () => {
        const smtpPort = await listen(smtp.server, options.smtpPort, host);
        let httpPort: number;
        try {
          httpPort = await listen(http, options.httpPort, host);
        } catch (err) {
          await new Promise<void>((resolve) => smtp.close(() => resolve()));
          throw err;
        }
        log.info({ host, smtpPort, httpPort }, 'smtp capture listening');
        return { smtpPort, httpPort };
      })();
      started.catch(() => {
        started = null;
      });
      return started;
    },
    async stop() {
      if (!started) return;
      await started.catch(() => undefined);
      started = null;
      const closing = [close(http)];
      http.closeAllConnections();
      if (smtp.server.listening) closing.push(new Promise<void>((resolve) => smtp.close(() => resolve())));
      await Promise.all(closing);
      log.info('smtp capture stopped');
    },
    messages: store.messages,
    clear: store.clear,
    configure: store.configure,
  };
}

export { normalizeAddress };
