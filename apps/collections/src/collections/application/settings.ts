/** Nest tokens for the collections settings taken from the validated config. */
export const DUNNING_POLICY = Symbol('DUNNING_POLICY');
export const SCHEDULER_SETTINGS = Symbol('SCHEDULER_SETTINGS');

export interface SchedulerSettings {
  readonly enabled: boolean;
  readonly pollMs: number;
  readonly batchSize: number;
}
