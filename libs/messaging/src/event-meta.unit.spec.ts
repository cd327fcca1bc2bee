import { causedBy, eventMeta } from './event-meta';

describe('event metadata', () => {
  const cause = { eventId: 'evt-1', accountId: 'acct-1', correlationId: 'run-1', type: 'InvoiceGenerated' };

  it('carries the account and the run of the cause along and names the cause', () => {
    expect(eventMeta('payments', '2026-11-30T10:00:00.000Z', causedBy(cause))).toEqual({
      eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      occurredAt: '2026-11-30T10:00:00.000Z',
      producer: 'payments',
      accountId: 'acct-1',
      correlationId: 'run-1',
      causationId: 'evt-1',
    });
  });

  it('gives every event its own id, and none a cause when it has none', () => {
    const provenance = { accountId: 'acct-1', correlationId: 'req-1', causationId: null };
    const [a, b] = [eventMeta('invoicing', '2026-11-30T10:00:00.000Z', provenance), eventMeta('invoicing', '2026-11-30T10:00:00.000Z', provenance)];
    expect(a.eventId).not.toBe(b.eventId);
    expect(a.causationId).toBeNull();
  });
});
