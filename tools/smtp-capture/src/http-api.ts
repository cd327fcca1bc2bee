import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { CaptureStore, CapturedMessage } from './smtp-capture';
import { normalizeAddress } from './recipient-rules';

/**
 * JSON API over the captured mail:
 *   GET    /api/messages[?to=addr]   list (filter matches envelope recipients, To and Cc)
 *   GET    /api/messages/:index      one message (0-based index since the last clear)
 *   DELETE /api/messages             forget every message
 *   GET    /api/config               current recipient rules
 *   POST   /api/config               { rejectRecipients?: string[], rejectPattern?: string,
 *                                      tempFailRecipients?: { [address]: count } }
 *   GET    /healthz
 */

const MAX_BODY_BYTES = 1024 * 1024;

const configBody = z
  .object({
    rejectRecipients: z.array(z.string().min(1)).optional(),
    rejectPattern: z.string().min(1).optional(),
    tempFailRecipients: z.record(z.string().min(1), z.number().int().nonnegative()).optional(),
  })
  .strict()
  .refine((b) => !(b.rejectRecipients && b.rejectPattern), {
    message: 'give rejectRecipients or rejectPattern, not both',
    path: ['rejectPattern'],
  });

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sentTo(message: CapturedMessage, address: string): boolean {
  const wanted = normalizeAddress(address);
  return [...message.envelope.to, ...message.to, ...message.cc].some((a) => normalizeAddress(a) === wanted);
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

export async function handleHttpRequest(store: CaptureStore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://capture.local');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';

  if (path === '/healthz' && method === 'GET') return send(res, 200, { status: 'ok' });

  if (path === '/api/messages') {
    if (method === 'GET') {
      const to = url.searchParams.get('to');
      const list = await store.messages();
      return send(res, 200, to ? list.filter((m) => sentTo(m, to)) : list);
    }
    if (method === 'DELETE') {
      store.clear();
      res.writeHead(204);
      res.end();
      return;
    }
    return send(res, 405, { error: `${method} not allowed on ${path}` });
  }

  const one = /^\/api\/messages\/([^/]+)$/.exec(path);
  if (one) {
    if (method !== 'GET') return send(res, 405, { error: `${method} not allowed on ${path}` });
    if (!/^\d+$/.test(one[1])) return send(res, 400, { error: 'index: must be a non-negative integer' });
    const message = (await store.messages())[Number(one[1])];
    return message ? send(res, 200, message) : send(res, 404, { error: `no message at index ${one[1]}` });
  }

  if (path === '/api/config') {
    if (method === 'GET') return send(res, 200, store.rules());
    if (method !== 'POST') return send(res, 405, { error: `${method} not allowed on ${path}` });
    const text = await readBody(req);
    if (text === null) return send(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return send(res, 400, { error: 'body must be JSON' });
    }
    const parsed = configBody.safeParse(json);
    if (!parsed.success) return send(res, 400, { error: describeIssues(parsed.error) });
    let rejectPattern: RegExp | undefined;
    if (parsed.data.rejectPattern !== undefined) {
      try {
        rejectPattern = new RegExp(parsed.data.rejectPattern, 'i');
      } catch (err) {
        return send(res, 400, { error: `rejectPattern: ${(err as Error).message}` });
      }
    }
    store.configure({
      rejectRecipients: rejectPattern ?? parsed.data.rejectRecipients,
      tempFailRecipients: parsed.data.tempFailRecipients,
    });
    return send(res, 200, store.rules());
  }

  return send(res, 404, { error: `no route for ${method} ${path}` });
}
