/**
 * The project's SMTP capture server (tools/smtp-capture) run as its own process, as a mail server
 * is in production: the service talks SMTP to it, tests read what it received over its HTTP API.
 * (Apps may not import the tool's code — module boundaries — so it is started, not imported.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '@billing/testing';

const WORKSPACE = join(__dirname, '..', '..', '..', '..');

/** One captured message, as `GET /api/messages` returns it. */
export interface CapturedMail {
  index: number;
  messageId: string | null;
  from: string | null;
  to: string[];
  envelope: { from: string | null; to: string[] };
  subject: string | null;
  text: string | null;
  html: string | null;
  headers: Record<string, string>;
  raw: string;
}

export interface CaptureRules {
  rejectRecipients: string[] | { pattern: string; flags: string };
  tempFailRecipients: Record<string, { failFirst: number; attemptsSoFar: number }>;
}

export class SmtpCaptureProcess {
  /** RCPT TO addresses the capture refused (550 or 451), in order, from its JSON log. */
  readonly refused: { address: string; code: number }[] = [];
  smtpPort = 0;
  httpPort = 0;
  private output = '';
  private exited?: Promise<void>;

  private constructor(private readonly child: ChildProcess) {}

  /** Starts the capture on ephemeral ports; `reject` are addresses/domains refused with 550. */
  static async start(reject: readonly string[] = ['bounce.invalid']): Promise<SmtpCaptureProcess> {
    const child = spawn('node', ['-r', '@swc-node/register', 'tools/smtp-capture/src/main.ts'], {
      cwd: WORKSPACE,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        SMTP_CAPTURE_PORT: '0',
        SMTP_CAPTURE_HTTP_PORT: '0',
        SMTP_CAPTURE_REJECT: reject.join(','),
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const capture = new SmtpCaptureProcess(child);
    capture.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) capture.onLogLine(line);
    });
    child.stderr!.on('data', (chunk: Buffer) => (capture.output += chunk.toString('utf8')));
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`smtp capture exited with ${child.exitCode}: ${capture.output}`);
        return capture.httpPort > 0;
      },
      {
      timeoutMs: 60_000,
      intervalMs: 50,
        what: 'the SMTP capture to listen',
      },
    );
    return capture;
  }

  private onLogLine(line: string): void {
    this.output += `${line}\n`;
    let entry: { msg?: string; smtpPort?: number; httpPort?: number; rcptTo?: string; code?: number };
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    if (entry.msg === 'smtp capture listening') {
      this.smtpPort = entry.smtpPort!;
      this.httpPort = entry.httpPort!;
    }
    if (entry.msg === 'recipient refused' && entry.rcptTo) this.refused.push({ address: entry.rcptTo, code: entry.code ?? 0 });
  }

  private url(path: string): string {
    return `http://127.0.0.1:${this.httpPort}${path}`;
  }

  /** Messages received for `to` (envelope, To or Cc), oldest first; every message without `to`. */
  async messages(to?: string): Promise<CapturedMail[]> {
    const res = await fetch(this.url(`/api/messages${to ? `?to=${encodeURIComponent(to)}` : ''}`));
    if (res.status !== 200) throw new Error(`GET /api/messages: ${res.status}`);
    return (await res.json()) as CapturedMail[];
  }

  async configure(rules: { rejectRecipients?: string[]; tempFailRecipients?: Record<string, number> }): Promise<CaptureRules> {
    const res = await fetch(this.url('/api/config'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rules),
    });
    if (res.status !== 200) throw new Error(`POST /api/config: ${res.status} ${await res.text()}`);
    return (await res.json()) as CaptureRules;
  }

  async rules(): Promise<CaptureRules> {
    return (await (await fetch(this.url('/api/config'))).json()) as CaptureRules;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }
}
