// Integration and end-to-end tests talk to a real broker and database: allow them time.
jest.setTimeout(Number(process.env.SLOW_TEST_TIMEOUT_MS ?? 180_000));
