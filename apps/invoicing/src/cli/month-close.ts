/**
 * Requests the month close of a period from the running invoicing service over HTTP:
 *
 *   INVOICING_URL=http://127.0.0.1:3001 BILLING_TOKEN=<operator token> \
 *     node -r @swc-node/register apps/invoicing/src/cli/month-close.ts --period 2026-11 [--wait]
 *
 * The service publishes MonthCloseRequested through its outbox (the same path as the API and the
 * scheduler), so a second request for the period joins the run in progress and prints its runId.
 * With --wait it polls the run's progress until the run ends: exit 0 when `completed`, 3 when
 * `completed_with_failures` (the progress lists the failed accounts and their reasons). This file is an entry point
 * like main.ts, so it reads process.env and argv here and nowhere else.
 */
import { z } from 'zod';

const envSchema = z.object({
  INVOICING_URL: z.string().url().default('http://127.0.0.1:3001'),
  BILLING_TOKEN: z.string().min(1, { message: 'is required (a bearer token with the operator or admin role)' }),
});

const argsSchema = z.object({
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'must be YYYY-MM' }),
  wait: z.boolean(),
  pollMs: z.number().int().min(100),
});

function parseArgs(argv: string[]): unknown {
  const at = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return { period: at('--period') ?? '', wait: argv.includes('--wait'), pollMs: Number(at('--poll-ms') ?? 2000) };
}

async function call(url: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const config = envSchema.safeParse(env);
  const args = argsSchema.safeParse(parseArgs(argv));
  if (!config.success || !args.success) {
    const issues = [...(config.error?.issues ?? []), ...(args.error?.issues ?? [])];
    console.error(`usage: month-close --period YYYY-MM [--wait]  (${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
    return 2;
  }
  const { INVOICING_URL: url, BILLING_TOKEN: token } = config.data;
  const requested = await call(url, token, 'POST', '/v1/month-closes', { period: args.data.period, requestedBy: 'cli' });
  if (requested.status !== 200 && requested.status !== 202) {
    console.error(`month close refused (${requested.status}): ${JSON.stringify(requested.body)}`);
    return 1;
  }
  console.log(JSON.stringify({ ...requested.body, status: requested.status === 202 ? 'requested' : 'joined' }));
  if (!args.data.wait) return 0;
  for (;;) {
    const progress = await call(url, token, 'GET', `/v1/month-closes/${requested.body.runId}`);
    if (progress.status !== 200) {
      console.error(`cannot read progress (${progress.status}): ${JSON.stringify(progress.body)}`);
      return 1;
    }
    console.log(JSON.stringify(progress.body));
    if (progress.body.status === 'completed') return 0;
    if (progress.body.status === 'completed_with_failures') return 3;
    await new Promise((resolve) => setTimeout(resolve, args.data.pollMs));
  }
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
