import type http from 'node:http';
import { ConfigPatch, publicConfig, type SandboxConfig, type SandboxLogger } from './config';
import { readBody } from './http-io';
import { statsReport, type RequestStats } from './request-stats';
import type { SandboxState } from './state';

/** What the control API reads and changes; the sandbox owns all of it. */
export interface ControlDeps {
  readonly state: SandboxState;
  readonly stats: RequestStats;
  readonly logger: SandboxLogger;
  config(): SandboxConfig;
  configure(patch: ConfigPatch): SandboxConfig;
  reset(): void;
}

/** `/_sandbox/*`: not Stripe; lets tests and scripts steer the sandbox and read what it did. */
export function createControlApi(deps: ControlDeps) {
  return async function handleControl(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const json = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /_sandbox/health') return json(200, { ok: true });
    if (route === 'GET /_sandbox/config') return json(200, publicConfig(deps.config()));
    if (route === 'GET /_sandbox/stats') {
      return json(200, { rateLimit: deps.config().rateLimit, ...statsReport(deps.stats) });
    }
    if (route === 'POST /_sandbox/config') {
      let patch: unknown;
      try {
        const text = await readBody(req);
        patch = text.length === 0 ? {} : JSON.parse(text);
      } catch (error) {
        return json(400, { error: { message: `Body must be JSON: ${String(error)}` } });
      }
      const parsed = ConfigPatch.safeParse(patch);
      if (!parsed.success) {
        return json(400, {
          error: {
            message: 'Invalid sandbox config',
            issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
          },
        });
      }
      const config = publicConfig(deps.configure(parsed.data));
      deps.logger.info({ config }, 'sandbox configured');
      return json(200, config);
    }
    if (route === 'POST /_sandbox/reset') {
      deps.reset();
      deps.logger.info({}, 'sandbox reset');
      return json(200, { ok: true });
    }
    if (route === 'GET /_sandbox/charges') {
      const filters = ['payment_intent', 'status', 'idempotency_key', 'customer'] as const;
      const data = deps.state.charges.filter((charge) =>
        filters.every((f) => !url.searchParams.has(f) || charge[f] === url.searchParams.get(f)),
      );
      return json(200, { object: 'list', data });
    }
    if (route === 'GET /_sandbox/refunds') {
      const filters = ['payment_intent', 'status', 'idempotency_key', 'charge'] as const;
      const data = [...deps.state.refunds.values()].filter((refund) =>
        filters.every((f) => !url.searchParams.has(f) || refund[f] === url.searchParams.get(f)),
      );
      return json(200, { object: 'list', data });
    }
    if (route === 'GET /_sandbox/events') {
      return json(200, {
        object: 'list',
        data: deps.state.events.map((e) => ({ id: e.id, type: e.type, delivered: e.delivered, deliveries: e.deliveries })),
      });
    }
    return json(404, { error: { message: `Unknown sandbox control endpoint: ${route}` } });
  };
}
