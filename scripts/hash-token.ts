/** `npm run token:hash -- <role[+role]> <token>` prints an AUTH_TOKENS entry: only the hash is configured. */
import { hashToken } from '@billing/messaging';

const [roles, token] = process.argv.slice(2);
if (!roles || !token) {
  console.error('usage: npm run token:hash -- <role[+role]> <token>');
  process.exit(2);
}
console.log(`${roles}:sha256=${hashToken(token)}`);
