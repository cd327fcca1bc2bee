import type { SmtpAcceptance } from './sent-emails.repository';

/**
 * Journals SMTP acceptances a few at a time. Each email sent waits at most `windowMs` for the
 * others in flight (up to `maxRows`) to share one INSERT: one round trip and one commit instead
 * of one per email. The journal narrows the re-send window after a rollback or crash; a few
 * milliseconds more of that window buy a large share of the database's time back.
 */
export class AcceptanceJournal {
  private pending: { row: SmtpAcceptance; settle: (error?: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (rows: SmtpAcceptance[]) => Promise<void>,
    private readonly windowMs = 10,
    private readonly maxRows = 16,
  ) {}

  /** Resolves once the row is written (rejects if its INSERT failed). */
  record(row: SmtpAcceptance): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ row, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (this.pending.length >= this.maxRows) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    this.write(batch.map((b) => b.row)).then(
      () => batch.forEach((b) => b.settle()),
      (error: unknown) => batch.forEach((b) => b.settle(error ?? new Error('journal write failed'))),
    );
  }
}
