import { DEFAULT_DUNNING_POLICY, parseDunningPolicy } from './policy';

const DAY = 24 * 60 * 60 * 1000;

describe('parseDunningPolicy', () => {
  it('defaults to retries 1, 3 and 7 days after the first failure and a one-day hold grace', () => {
    // given no settings / when parsed
    const parsed = parseDunningPolicy({});
    // then
    expect(parsed).toEqual({ ok: true, policy: { retryOffsetsMs: [1 * DAY, 3 * DAY, 7 * DAY], holdGraceMs: DAY } });
    expect(DEFAULT_DUNNING_POLICY).toEqual({ retryOffsetsMs: [DAY, 3 * DAY, 7 * DAY], holdGraceMs: DAY });
  });

  it('parses the fast demo policy 2s,4s,6s', () => {
    // given / when
    const parsed = parseDunningPolicy({ retryOffsets: '2s,4s,6s', holdGrace: '0s' });
    // then
    expect(parsed).toEqual({ ok: true, policy: { retryOffsetsMs: [2000, 4000, 6000], holdGraceMs: 0 } });
  });

  it('accepts every unit and surrounding spaces', () => {
    const parsed = parseDunningPolicy({ retryOffsets: ' 500ms, 1s ,2m,3h, 4d ', holdGrace: ' 12h ' });
    expect(parsed).toEqual({
      ok: true,
      policy: { retryOffsetsMs: [500, 1000, 120_000, 3 * 3_600_000, 4 * DAY], holdGraceMs: 12 * 3_600_000 },
    });
  });

  it('reads "none" as a policy that never retries', () => {
    expect(parseDunningPolicy({ retryOffsets: 'none' })).toEqual({
      ok: true,
      policy: { retryOffsetsMs: [], holdGraceMs: DAY },
    });
  });

  it.each([
    ['an unknown unit', '1d,3x'],
    ['a missing unit', '1,3,7'],
    ['an empty entry', '1d,,7d'],
    ['an empty string', ''],
    ['a negative number', '-1d'],
    ['a fraction', '1.5d'],
  ])('rejects retryOffsets with %s, naming the field', (_, retryOffsets) => {
    // when
    const parsed = parseDunningPolicy({ retryOffsets });
    // then
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.code).toBe('invalid_dunning_policy');
    expect(parsed.error.field).toBe('retryOffsets');
    expect(parsed.error.message).toMatch(/^retryOffsets: /);
  });

  it('rejects a zero retry offset', () => {
    const parsed = parseDunningPolicy({ retryOffsets: '0s,4s' });
    expect(parsed).toMatchObject({ ok: false, error: { code: 'invalid_dunning_policy', field: 'retryOffsets' } });
  });

  it('rejects offsets that do not increase, since they all count from the first failure', () => {
    const parsed = parseDunningPolicy({ retryOffsets: '1d,3d,3d' });
    expect(parsed).toMatchObject({
      ok: false,
      error: { code: 'invalid_dunning_policy', field: 'retryOffsets', message: expect.stringMatching(/increase/) },
    });
  });

  it('rejects an invalid hold grace, naming the field', () => {
    const parsed = parseDunningPolicy({ holdGrace: 'tomorrow' });
    expect(parsed).toMatchObject({
      ok: false,
      error: { code: 'invalid_dunning_policy', field: 'holdGrace', message: expect.stringMatching(/^holdGrace: /) },
    });
  });

  it('rejects a setting that is not a string', () => {
    const parsed = parseDunningPolicy({ retryOffsets: 7 as unknown as string });
    expect(parsed).toMatchObject({ ok: false, error: { field: 'retryOffsets' } });
  });
});
