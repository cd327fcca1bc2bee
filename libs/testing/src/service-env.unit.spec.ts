import type * as Testing from './index';

/** `serviceEnv()` as a test file started with `env` sees it (the brokers are read when the module loads). */
function serviceEnvUnder(env: Record<string, string | undefined>): ReturnType<typeof Testing.serviceEnv> {
  const saved = { ...process.env };
  try {
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    let serviceEnv!: typeof Testing.serviceEnv;
    jest.isolateModules(() => {
      ({ serviceEnv } = jest.requireActual<typeof Testing>('./index'));
    });
    return serviceEnv();
  } finally {
    process.env = saved;
  }
}

describe('serviceEnv: what a service booted by a test is told about the broker and the database', () => {
  it("passes the test's KAFKA_BROKERS and DATABASE_URL through, not the services' defaults", () => {
    expect(
      serviceEnvUnder({ KAFKA_BROKERS: '10.1.2.3:19092,10.1.2.4:19092', KAFKA_PORT: undefined, DATABASE_URL: 'postgres://ci@db.test:6543/postgres' }),
    ).toEqual({ KAFKA_BROKERS: '10.1.2.3:19092,10.1.2.4:19092', DATABASE_URL: 'postgres://ci@db.test:6543/postgres' });
  });

  it('uses the broker that `npm run kafka:start` starts on KAFKA_PORT when no brokers are named', () => {
    expect(serviceEnvUnder({ KAFKA_BROKERS: undefined, KAFKA_PORT: '19093' }).KAFKA_BROKERS).toBe('127.0.0.1:19093');
  });

  it('refuses an empty or malformed KAFKA_BROKERS instead of letting the service pick its own', () => {
    expect(() => serviceEnvUnder({ KAFKA_BROKERS: '' })).toThrow(/KAFKA_BROKERS must be host:port entries/);
    expect(() => serviceEnvUnder({ KAFKA_BROKERS: '10.1.2.3' })).toThrow(/got "10\.1\.2\.3"/);
  });
});
