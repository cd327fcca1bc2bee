import { instanceNames, parseInstance, parseInstances } from '../scripts/stack/stack';

describe('stack instances (npm run stack:up -- --instances …)', () => {
  it('runs every service N times for --instances N', () => {
    expect(parseInstances('2')).toEqual({ invoicing: 2, payments: 2, notifications: 2, collections: 2, reporting: 2 });
  });

  it('runs only the named services more than once for --instances service=N', () => {
    expect(parseInstances('payments=2,notifications=3')).toEqual({ payments: 2, notifications: 3 });
    expect(parseInstances(undefined)).toEqual({});
  });

  it('refuses an unknown service or a bad count, naming it', () => {
    expect(() => parseInstances('billing=2')).toThrow(/billing=2/);
    expect(() => parseInstances('payments=0')).toThrow(/0 is not a number of instances/);
  });

  it('names the first instance after the service and the others with their number', () => {
    expect(instanceNames('payments', 3)).toEqual(['payments', 'payments-2', 'payments-3']);
    expect(parseInstance('payments-2')).toEqual({ service: 'payments', index: 2 });
    expect(parseInstance('payments')).toEqual({ service: 'payments', index: 1 });
    expect(parseInstance('stripe-sandbox')).toBeNull();
  });
});
