import type http from 'node:http';

const MAX_BODY_BYTES = 1024 * 1024;

export function headerValue(req: http.IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

/** `Authorization: Bearer sk_…` (the SDK) or HTTP Basic with the key as user name (curl -u). */
export function apiKeyOf(req: http.IncomingMessage): string | null {
  const header = headerValue(req, 'authorization');
  if (header === null) return null;
  const [scheme, credentials = ''] = header.split(' ', 2);
  let key = '';
  if (scheme.toLowerCase() === 'bearer') key = credentials.trim();
  if (scheme.toLowerCase() === 'basic') key = Buffer.from(credentials, 'base64').toString('utf8').split(':')[0];
  return /^sk_(test|live)_\w+$/.test(key) ? key : null;
}

export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
