import { AcceptanceJournal } from './acceptance-journal';
import type { SmtpAcceptance } from './sent-emails.repository';

const acceptance = (n: number): SmtpAcceptance => ({
  emailKey: `invoice:${n}`,
  messageId: `<${n}@billing.test>`,
  smtpResponse: '250 ok',
  at: '2026-12-01T00:00:00.000Z',
});

describe('AcceptanceJournal', () => {
  it('writes acceptances recorded together in one statement, and each caller waits for it', async () => {
    const writes: string[][] = [];
    const journal = new AcceptanceJournal(async (rows) => {
      writes.push(rows.map((r) => r.emailKey));
    }, 20, 16);
    await Promise.all([1, 2, 3].map((n) => journal.record(acceptance(n))));
    expect(writes).toEqual([['invoice:1', 'invoice:2', 'invoice:3']]);
  });

  it('writes at once when as many as maxRows are waiting', async () => {
    const writes: number[] = [];
    const journal = new AcceptanceJournal(async (rows) => {
      writes.push(rows.length);
    }, 60_000, 2);
    await Promise.all([1, 2].map((n) => journal.record(acceptance(n)))); // would time out if it waited for the window
    expect(writes).toEqual([2]);
  });

  it('rejects every caller of a failed write, and the next write goes ahead', async () => {
    let fail = true;
    const written: string[] = [];
    const journal = new AcceptanceJournal(async (rows) => {
      if (fail) throw new Error('database down');
      written.push(...rows.map((r) => r.emailKey));
    }, 5, 16);
    const first = [1, 2].map((n) => journal.record(acceptance(n)));
    await expect(Promise.all(first)).rejects.toThrow('database down');
    await Promise.allSettled(first);
    fail = false;
    await journal.record(acceptance(3));
    expect(written).toEqual(['invoice:3']);
  });
});
