import { TransientError, createLogger } from '@billing/messaging';
import { MAX_SLOTS_MISSED_PER_CALL, callProviderPaced } from './call-provider-paced';
import { ProviderPace, ProviderSlot } from './provider-pace';

const logger = createLogger('call-provider-paced-test', 'silent');

/** A pace that grants at once and counts what it was asked. */
function countingPace() {
  const counts = { takes: 0, slowDowns: 0 };
  const pace: ProviderPace = {
    take: async () => {
      counts.takes++;
      return { atMs: Date.now(), spacingMs: 10, burst: 4 } satisfies ProviderSlot;
    },
    slowDown: async () => void counts.slowDowns++,
    current: async () => null,
  };
  return { pace, counts };
}

type Answer = { kind: 'succeeded' } | { kind: 'slot_missed' } | { kind: 'rate_limited'; message: string };

const answers = (...sequence: Answer[]) => {
  let i = 0;
  return async () => sequence[Math.min(i++, sequence.length - 1)];
};

describe('callProviderPaced', () => {
  const request = { idempotencyKey: 'invoice:i-1:attempt:1' };
  const options = { logger, heartbeat: async () => undefined };

  it('sends a call whose slot was missed again on a new slot, without slowing the shared pace', async () => {
    const { pace, counts } = countingPace();
    const call = answers({ kind: 'slot_missed' }, { kind: 'slot_missed' }, { kind: 'succeeded' });

    await expect(callProviderPaced(pace, request, call, options)).resolves.toEqual({ kind: 'succeeded' });
    expect(counts).toEqual({ takes: 3, slowDowns: 0 });
  });

  it('slows the shared pace on a 429 and sends the same request again', async () => {
    const { pace, counts } = countingPace();
    const call = answers({ kind: 'rate_limited', message: 'Too many requests' }, { kind: 'succeeded' });

    await expect(callProviderPaced(pace, request, call, options)).resolves.toEqual({ kind: 'succeeded' });
    expect(counts).toEqual({ takes: 2, slowDowns: 1 });
  });

  it('hands the batch back as an outage when a call keeps missing its slots (never a decline)', async () => {
    const { pace, counts } = countingPace();
    const failure = await callProviderPaced(pace, request, answers({ kind: 'slot_missed' }), options).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as TransientError).outage).toBe(true);
    expect(counts.takes).toBe(MAX_SLOTS_MISSED_PER_CALL);
  });
});
