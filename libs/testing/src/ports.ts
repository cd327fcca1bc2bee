import { createServer } from 'node:net';

/**
 * Ports for the processes a test starts (services, dev tools, a broker of its own).
 *
 * They come from below the kernel's ephemeral range (32768-60999 here): any port in that range
 * can be taken at any moment by an outgoing connection (to Kafka, to PostgreSQL), so a port that
 * was free when a test picked it may be gone when the child process binds it. Each port handed
 * out is checked bindable on 127.0.0.1 and never handed out twice by this process; test files in
 * other Jest workers pick at random among 12,000 ports.
 */
const LOW = 20_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive free ports, plus `base + offset` for each of `alsoAt` (a Kafka broker's
 * controller listens at its port + 1000); returns the first.
 */
export async function freePorts(count = 1, { alsoAt = [] as number[] } = {}): Promise<number> {
  const span = Math.max(count, ...alsoAt.map((offset) => offset + 1));
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = LOW + Math.floor(Math.random() * (HIGH - LOW - span));
    const ports = [...Array.from({ length: count }, (_, i) => base + i), ...alsoAt.map((offset) => base + offset)];
    if (ports.some((port) => handedOut.has(port))) continue;
    if ((await Promise.all(ports.map(bindable))).every(Boolean)) {
      ports.forEach((port) => handedOut.add(port));
      return base;
    }
  }
  throw new Error(`no ${count} free consecutive ports between ${LOW} and ${HIGH}`);
}

export const freePort = (): Promise<number> => freePorts(1);

/** A port for a test's own Kafka broker (its KRaft controller takes port + 1000). */
export const freeKafkaPort = (): Promise<number> => freePorts(1, { alsoAt: [1000] });
