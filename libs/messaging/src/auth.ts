import { CanActivate, ExecutionContext, ForbiddenException, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from './errors';

export type Role = 'finance' | 'admin' | 'service' | 'operator';
const ROLES = new Set<Role>(['finance', 'admin', 'service', 'operator']);

export interface TokenEntry {
  hash: Buffer;
  roles: ReadonlySet<Role>;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Parses `AUTH_TOKENS`: comma-separated `role[+role]:sha256=<64 hex>` entries. Only hashes
 * live in configuration; `npm run token:hash -- <token>` prints an entry's hash.
 */
export function parseTokenConfig(value: string): TokenEntry[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, index) => {
      const match = /^([a-z+]+):sha256=([0-9a-f]{64})$/.exec(entry);
      if (!match) throw new ConfigError(`AUTH_TOKENS[${index}]: must be role[+role]:sha256=<64 hex chars>`);
      const roles = match[1].split('+');
      for (const role of roles) {
        if (!ROLES.has(role as Role)) throw new ConfigError(`AUTH_TOKENS[${index}]: unknown role ${role}`);
      }
      return { hash: Buffer.from(match[2], 'hex'), roles: new Set(roles as Role[]) };
    });
}

/** Roles of a presented token, comparing hashes in constant time against every entry. */
export function rolesForToken(entries: readonly TokenEntry[], token: string): ReadonlySet<Role> | null {
  const presented = Buffer.from(hashToken(token), 'hex');
  let found: ReadonlySet<Role> | null = null;
  for (const entry of entries) {
    if (timingSafeEqual(entry.hash, presented)) found = entry.roles;
  }
  return found;
}

export const ROLES_KEY = 'billing:roles';
/** Routes without @Roles are public (health, metrics, docs). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export const AUTH_TOKENS = Symbol('AUTH_TOKENS');

/** One bearer-token guard for every service: 401 without a valid token, 403 with the wrong role. */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly entries: TokenEntry[],
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    if (!required || required.length === 0) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; principal?: unknown }>();
    const header = request.headers['authorization'] ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthorizedException('a bearer token is required');
    const roles = rolesForToken(this.entries, match[1]);
    if (!roles) throw new UnauthorizedException('the bearer token is not valid');
    if (!required.some((r) => roles.has(r))) {
      throw new ForbiddenException(`this endpoint needs one of the roles: ${required.join(', ')}`);
    }
    request.principal = { roles: [...roles] };
    return true;
  }
}
