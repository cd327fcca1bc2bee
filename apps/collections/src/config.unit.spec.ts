import { ConfigError } from '@billing/messaging';
import { dunningPolicyOf, loadCollectionsConfig } from './config';

describe('collections configuration', () => {
  it('defaults to retries 1, 3 and 7 days after the first failure, a one-day hold grace and a running scheduler', () => {
    const config = loadCollectionsConfig({});
    expect(config).toMatchObject({ SCHEDULER_ENABLED: true, SCHEDULER_POLL_MS: 1000, SCHEDULER_BATCH: 500 });
    expect(dunningPolicyOf(config)).toEqual({ retryOffsetsMs: [86_400_000, 259_200_000, 604_800_000], holdGraceMs: 86_400_000 });
  });

  it('runs the schedule in seconds for demos and tests', () => {
    const config = loadCollectionsConfig({ DUNNING_RETRY_OFFSETS: '1s,2s,3s', DUNNING_HOLD_GRACE: '500ms', SCHEDULER_ENABLED: 'false' });
    expect(dunningPolicyOf(config)).toEqual({ retryOffsetsMs: [1000, 2000, 3000], holdGraceMs: 500 });
    expect(config.SCHEDULER_ENABLED).toBe(false);
  });

  it.each([
    ['DUNNING_RETRY_OFFSETS', '3x'],
    ['DUNNING_RETRY_OFFSETS', '3d,1d'],
    ['DUNNING_HOLD_GRACE', 'tomorrow'],
    ['SCHEDULER_ENABLED', 'maybe'],
    ['SCHEDULER_POLL_MS', '-5'],
    ['SCHEDULER_BATCH', '0'],
  ])('refuses %s=%s with an error naming the field', (field, value) => {
    expect(() => loadCollectionsConfig({ [field]: value })).toThrow(ConfigError);
    expect(() => loadCollectionsConfig({ [field]: value })).toThrow(new RegExp(field));
  });
});
