/**
 * The local stack without Docker: Kafka (infra/kafka/kafka.sh), PostgreSQL (started if down),
 * the Stripe sandbox, the SMTP capture server and the five services, each as its own
 * background process with one log file per process. Used by `npm run stack:up|down`, the demo,
 * the end-to-end and crash tests and the benchmark (those use their own ports, databases and
 * topic prefix so they never touch the default stack).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hashToken } from '@billing/messaging';
import { build } from '../build';

export const ROOT = path.resolve(__dirname, '..', '..');

export const SERVICE_NAMES = ['invoicing', 'payments', 'notifications', 'collections', 'reporting'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
/** A service's process: `payments` is its first instance, `payments-2` its second, … */
export type InstanceName = ServiceName | `${ServiceName}-${number}`;
export type ProcessName = InstanceName | 'stripe-sandbox' | 'smtp-capture';

/** Instance i (from 1) of a service listens on the service's port + INSTANCE_PORT_STEP × (i − 1). */
export const INSTANCE_PORT_STEP = 100;

/** The process names of `count` instances of a service: `payments`, `payments-2`, … */
export function instanceNames(service: ServiceName, count: number): InstanceName[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? service : (`${service}-${i + 1}` as const)));
}

/** The service and instance number (from 1) of a process name; null for the tools. */
export function parseInstance(name: ProcessName): { service: ServiceName; index: number } | null {
  const match = /^([a-z]+)(?:-(\d+))?$/.exec(name);
  if (!match || !(SERVICE_NAMES as readonly string[]).includes(match[1])) return null;
  return { service: match[1] as ServiceName, index: match[2] ? Number(match[2]) : 1 };
}

/**
 * `--instances 2` (every service twice) or `--instances payments=2,notifications=2` (those
 * services; the others once) → instances per service.
 */
export function parseInstances(arg: string | undefined): Partial<Record<ServiceName, number>> {
  if (arg === undefined || arg === '') return {};
  const count = (text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error(`--instances: ${text} is not a number of instances (1–16)`);
    return n;
  };
  if (/^\d+$/.test(arg)) return Object.fromEntries(SERVICE_NAMES.map((s) => [s, count(arg)]));
  const out: Partial<Record<ServiceName, number>> = {};
  for (const part of arg.split(',')) {
    const [service, n] = part.split('=');
    if (!(SERVICE_NAMES as readonly string[]).includes(service) || n === undefined) {
      throw new Error(`--instances: expected N or service=N[,service=N], got ${part}`);
    }
    out[service as ServiceName] = count(n);
  }
  return out;
}

/** Development tokens of the local stack (only their hashes reach the services). */
export const DEV_TOKENS = {
  finance: 'finance-token',
  admin: 'admin-token',
  operator: 'operator-token',
  service: 'service-token',
} as const;

export function devAuthTokens(): string {
  return [
    `finance:sha256=${hashToken(DEV_TOKENS.finance)}`,
    `admin+finance+operator:sha256=${hashToken(DEV_TOKENS.admin)}`,
    `operator:sha256=${hashToken(DEV_TOKENS.operator)}`,
    `service+finance+operator:sha256=${hashToken(DEV_TOKENS.service)}`,
  ].join(',');
}

export interface StackPorts {
  invoicing: number;
  payments: number;
  notifications: number;
  collections: number;
  reporting: number;
  stripe: number;
  smtp: number;
  smtpHttp: number;
}

export const DEFAULT_PORTS: StackPorts = {
  invoicing: 3001,
  payments: 3002,
  notifications: 3003,
  collections: 3004,
  reporting: 3005,
  stripe: 12111,
  smtp: 1025,
  smtpHttp: 8025,
};

export interface StackOptions {
  /** Folder for pid files and logs, e.g. .run/stack */
  stateDir: string;
  ports: StackPorts;
  topicPrefix: string;
  /** Database names are `billing_<service><databaseSuffix>`. */
  databaseSuffix: string;
  databaseUrl: string;
  kafkaBrokers: string;
  partitions: number;
  /** Extra environment for every service (e.g. a fast dunning policy). */
  env: Record<string, string>;
  /** Processes per service (default 1), all in the same consumer groups. */
  instances?: Partial<Record<ServiceName, number>>;
  logLevel: string;
}

export function defaultStackOptions(env: Record<string, string | undefined>): StackOptions {
  const port = (name: string, fallback: number) => Number(env[name] ?? fallback);
  return {
    stateDir: path.join(ROOT, '.run', 'stack'),
    ports: {
      invoicing: port('INVOICING_PORT', 3001),
      payments: port('PAYMENTS_PORT', 3002),
      notifications: port('NOTIFICATIONS_PORT', 3003),
      collections: port('COLLECTIONS_PORT', 3004),
      reporting: port('REPORTING_PORT', 3005),
      stripe: port('STRIPE_SANDBOX_PORT', 12111),
      smtp: port('SMTP_CAPTURE_PORT', 1025),
      smtpHttp: port('SMTP_CAPTURE_HTTP_PORT', 8025),
    },
    topicPrefix: env.TOPIC_PREFIX ?? '',
    databaseSuffix: env.DATABASE_SUFFIX ?? '',
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    kafkaBrokers: env.KAFKA_BROKERS ?? `127.0.0.1:${env.KAFKA_PORT ?? 9092}`,
    partitions: Number(env.TOPIC_PARTITIONS ?? 8),
    env: {
      // The local stack runs dunning in seconds instead of days, so a demo shows holds.
      DUNNING_RETRY_OFFSETS: env.DUNNING_RETRY_OFFSETS ?? '2s,4s,6s',
      DUNNING_HOLD_GRACE: env.DUNNING_HOLD_GRACE ?? '2s',
      SCHEDULER_POLL_MS: env.SCHEDULER_POLL_MS ?? '250',
      MONTH_CLOSE_SCHEDULE_ENABLED: env.MONTH_CLOSE_SCHEDULE_ENABLED ?? 'false',
      // several SMTP connections in flight: sending mail is the slowest stage of the cascade
      SMTP_POOL_MAX_CONNECTIONS: env.SMTP_POOL_MAX_CONNECTIONS ?? '8',
      SMTP_SEND_CONCURRENCY: env.SMTP_SEND_CONCURRENCY ?? '16',
    },
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The fields of /proc/<pid>/stat after the command name (so field 3, the state, is [0]); null if gone. */
export function procStat(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/**
 * The kernel's start time of a process (field 22 of /proc/<pid>/stat). Pids are reused quickly
 * (pid_max is 32768 here), so a pid file holds the pid and this start time: a pid whose start
 * time differs belongs to another process, which we must never signal.
 */
export function processStartTime(pid: number): string | null {
  return procStat(pid)?.[19] ?? null;
}

export class Stack {
  /** The build this stack's processes run: compiled at its first start (scripts/build.ts), then kept. */
  private building?: Promise<string>;

  constructor(readonly options: StackOptions) {}

  private compiled(): Promise<string> {
    return (this.building ??= build());
  }

  get logDir(): string {
    return path.join(this.options.stateDir, 'logs');
  }

  private pidFile(name: ProcessName): string {
    return path.join(this.options.stateDir, 'pids', `${name}.pid`);
  }

  pid(name: ProcessName): number | null {
    const file = this.pidFile(name);
    if (!existsSync(file)) return null;
    const [pid, startTime] = readFileSync(file, 'utf8').trim().split(' ');
    return startTime !== undefined && processStartTime(Number(pid)) === startTime ? Number(pid) : null;
  }

  url(name: ServiceName | 'stripe' | 'smtpHttp'): string {
    return `http://127.0.0.1:${this.options.ports[name]}`;
  }

  /** The process names of a service's instances as configured (`payments`, `payments-2`, …). */
  instances(service: ServiceName): InstanceName[] {
    return instanceNames(service, this.options.instances?.[service] ?? 1);
  }

  /** Every instance with a pid file (whatever the options say): what `down` must stop. */
  private recordedInstances(): InstanceName[] {
    const dir = path.join(this.options.stateDir, 'pids');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .map((f) => f.replace(/\.pid$/, '') as ProcessName)
      .filter((n): n is InstanceName => parseInstance(n) !== null);
  }

  databaseName(service: ServiceName): string {
    return `billing_${service}${this.options.databaseSuffix}`;
  }

  /**
   * How a process is started: node options, its entry (a source path without extension, run from
   * the compiled build: scripts/build.ts), environment and health URL.
   */
  private command(name: ProcessName): { args: string[]; entry: string; env: Record<string, string>; health: string } {
    const o = this.options;
    // A modest old space makes V8 collect early, so a service's resident memory stays flat as
    // accounts grow. The dev tools keep everything they saw in memory (charges, mail): more room.
    const node = ['--max-old-space-size=192'];
    const tool = ['--max-old-space-size=4096'];
    if (name === 'stripe-sandbox') {
      return {
        args: tool,
        entry: 'tools/stripe-sandbox/src/main',
        env: { STRIPE_SANDBOX_PORT: String(o.ports.stripe), LOG_LEVEL: 'warn' },
        health: `${this.url('stripe')}/_sandbox/health`,
      };
    }
    if (name === 'smtp-capture') {
      return {
        args: tool,
        entry: 'tools/smtp-capture/src/main',
        env: { SMTP_CAPTURE_PORT: String(o.ports.smtp), SMTP_CAPTURE_HTTP_PORT: String(o.ports.smtpHttp), LOG_LEVEL: 'warn' },
        health: `${this.url('smtpHttp')}/healthz`,
      };
    }
    const { service, index } = parseInstance(name)!;
    const port = o.ports[service] + INSTANCE_PORT_STEP * (index - 1);
    return {
      args: node,
      entry: `apps/${service}/src/main`,
      env: {
        ...o.env,
        HTTP_PORT: String(port),
        DATABASE_URL: o.databaseUrl,
        DATABASE_NAME: this.databaseName(service),
        KAFKA_BROKERS: o.kafkaBrokers,
        TOPIC_PREFIX: o.topicPrefix,
        TOPIC_PARTITIONS: String(o.partitions),
        AUTH_TOKENS: devAuthTokens(),
        LOG_LEVEL: o.logLevel,
        STRIPE_API_HOST: '127.0.0.1',
        STRIPE_API_PORT: String(o.ports.stripe),
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(o.ports.smtp),
      },
      health: `http://127.0.0.1:${port}/health`,
    };
  }

  /** Starts one process in the background (no-op if ours is running); resolves when healthy. */
  async start(name: ProcessName, { waitHealthy = true } = {}): Promise<number> {
    mkdirSync(path.join(this.options.stateDir, 'pids'), { recursive: true });
    mkdirSync(this.logDir, { recursive: true });
    const running = this.pid(name);
    const { args, entry, env, health } = this.command(name);
    if (running) return running;
    const build = await this.compiled();
    const log = openSync(path.join(this.logDir, `${name}.log`), 'a');
    // STACK_CPU_PROFILE_DIR: each process writes a V8 CPU profile there when it exits (stack:down)
    const profile = process.env.STACK_CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.STACK_CPU_PROFILE_DIR}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
    const child: ChildProcess = spawn(process.execPath, [...profile, ...args, path.join(build, `${entry}.js`)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    child.unref();
    writeFileSync(this.pidFile(name), `${child.pid} ${processStartTime(child.pid!)}`);
    if (waitHealthy) await this.waitHealthy(name, health);
    return child.pid!;
  }

  async waitHealthy(name: ProcessName, healthUrl = this.command(name).health, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const pid = this.pid(name);
      if (!pid) throw new Error(`${name} exited during start-up; see ${path.join(this.logDir, `${name}.log`)}`);
      try {
        const response = await fetch(healthUrl, { signal: AbortSignal.timeout(2000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(300);
    }
    throw new Error(`${name} was not healthy within ${timeoutMs / 1000}s; see ${path.join(this.logDir, `${name}.log`)}`);
  }

  /** Sends a signal; with SIGTERM waits for a graceful exit (SIGKILL after the timeout). */
  async stop(name: ProcessName, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<void> {
    const pid = this.pid(name);
    if (!pid) return;
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + timeoutMs;
    const ours = () => this.pid(name) === pid;
    while (ours() && Date.now() < deadline) await sleep(100);
    if (ours()) process.kill(pid, 'SIGKILL');
    while (ours()) await sleep(50);
    rmSync(this.pidFile(name), { force: true });
  }

  /** The port of the first broker, which infra/kafka/kafka.sh starts for this stack. */
  get kafkaPort(): string {
    return this.options.kafkaBrokers.split(',')[0].split(':')[1] ?? '9092';
  }

  /** PostgreSQL (started if down) and the Kafka broker (idempotent): what the data lives in. */
  startInfrastructure({ startKafka = true } = {}): void {
    ensurePostgres();
    if (!startKafka) return;
    execFileSync('bash', [path.join(ROOT, 'infra/kafka/kafka.sh'), 'start'], {
      stdio: 'inherit',
      env: { ...process.env, KAFKA_PORT: this.kafkaPort },
    });
  }

  /** Everything a month close needs, in dependency order; returns when all are healthy. */
  async up({ startKafka = true } = {}): Promise<void> {
    this.startInfrastructure({ startKafka });
    await Promise.all([this.start('stripe-sandbox'), this.start('smtp-capture')]);
    // Services start one after the other: each creates its database and topics at start-up;
    // further instances of a service once its first is healthy (its database is migrated).
    for (const service of SERVICE_NAMES) await this.start(service, { waitHealthy: false });
    for (const service of SERVICE_NAMES) await this.waitHealthy(service);
    const more = SERVICE_NAMES.flatMap((s) => this.instances(s).slice(1));
    for (const name of more) await this.start(name, { waitHealthy: false });
    for (const name of more) await this.waitHealthy(name);
  }

  async down(): Promise<void> {
    await Promise.all([...new Set([...SERVICE_NAMES, ...this.recordedInstances()])].map((s) => this.stop(s)));
    await Promise.all([this.stop('stripe-sandbox'), this.stop('smtp-capture')]);
  }

  status(): Record<string, number | null> {
    const services = [...new Set([...SERVICE_NAMES.flatMap((s) => this.instances(s)), ...this.recordedInstances()])];
    const names: ProcessName[] = [...services, 'stripe-sandbox', 'smtp-capture'];
    return Object.fromEntries(names.map((n) => [n, this.pid(n)]));
  }
}

/** PostgreSQL on 127.0.0.1:5432: start the local cluster if it is down. */
export function ensurePostgres(): void {
  const ready = () => {
    try {
      execFileSync('pg_isready', ['-q', '-h', '127.0.0.1', '-p', '5432']);
      return true;
    } catch {
      return false;
    }
  };
  if (ready()) return;
  const version = execFileSync('ls', ['/etc/postgresql']).toString().trim().split('\n')[0];
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
  for (let i = 0; i < 30 && !ready(); i++) execFileSync('sleep', ['1']);
}
