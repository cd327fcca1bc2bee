import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freeKafkaPort } from '@billing/testing';

const run = promisify(execFile);
const script = path.join(__dirname, '..', 'infra', 'kafka', 'kafka.sh');

/** Pids of JVMs running kafka.Kafka with a config under `dir`. */
function brokerPids(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return cmd.includes('kafka.Kafka') && cmd.includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('npm run kafka:start / kafka:stop', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'kafka-script-'));
  let port: number;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    port = await freeKafkaPort();
    env = { ...process.env, KAFKA_PORT: String(port), KAFKA_HOME_DIR: home, KAFKA_HEAP: '256m' };
  });

  afterAll(async () => {
    await run('bash', [script, 'stop'], { env }).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  it('starts a KRaft broker once, treats a second start as a no-op, and stop leaves no broker behind', async () => {
    const first = await run('bash', [script, 'start'], { env });
    expect(first.stderr).toContain(`broker ready on 127.0.0.1:${port}`);
    const pids = brokerPids(home);
    expect(pids).toHaveLength(1);

    const second = await run('bash', [script, 'start'], { env });
    expect(second.stderr).toContain('already running');
    expect(brokerPids(home)).toEqual(pids);

    const config = readFileSync(path.join(home, `broker-${port}`, 'server.properties'), 'utf8');
    expect(config).toContain('process.roles=broker,controller');
    expect(config).toContain(`advertised.listeners=PLAINTEXT://127.0.0.1:${port}`);
    expect(config).toContain('group.initial.rebalance.delay.ms=0');

    await run('bash', [script, 'stop'], { env });
    expect(brokerPids(home)).toEqual([]);
    await expect(run('bash', [script, 'status'], { env })).rejects.toMatchObject({ code: 1 });
  });
});
