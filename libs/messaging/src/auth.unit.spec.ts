import { ForbiddenException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { BearerAuthGuard, Role, hashToken, parseTokenConfig, rolesForToken } from './auth';

function contextFor(roles: Role[] | undefined, authorization?: string) {
  const reflector = { getAllAndOverride: () => roles } as unknown as Reflector;
  const request = { headers: authorization ? { authorization } : {} } as { headers: Record<string, string>; principal?: unknown };
  const context = {
    getHandler: () => undefined,
    getClass: () => undefined,
    switchToHttp: () => ({ getRequest: () => request }),
  };
  return { reflector, context: context as never, request };
}

describe('bearer-token auth', () => {
  const entries = parseTokenConfig(`finance:sha256=${hashToken('fin-secret')},admin+finance:sha256=${hashToken('adm-secret')}`);

  it('keeps only hashes in configuration and finds the roles of a presented token', () => {
    expect(rolesForToken(entries, 'fin-secret')).toEqual(new Set(['finance']));
    expect(rolesForToken(entries, 'adm-secret')).toEqual(new Set(['admin', 'finance']));
    expect(rolesForToken(entries, 'guess')).toBeNull();
  });

  it('refuses a configuration entry that is not role:sha256=<hex>, naming the entry', () => {
    expect(() => parseTokenConfig('finance:plain-token')).toThrow('AUTH_TOKENS[0]');
    expect(() => parseTokenConfig(`finance:sha256=${hashToken('x')},boss:sha256=${hashToken('y')}`)).toThrow('AUTH_TOKENS[1]: unknown role boss');
  });

  it('answers 401 without a token or with an unknown one, 403 with the wrong role, and lets the right role in', () => {
    const check = (roles: Role[] | undefined, header?: string) => {
      const { reflector, context } = contextFor(roles, header);
      return () => new BearerAuthGuard(reflector, entries).canActivate(context);
    };
    expect(check(['finance'])).toThrow(UnauthorizedException);
    expect(check(['finance'], 'Bearer nope')).toThrow(UnauthorizedException);
    expect(check(['finance'], 'Basic fin-secret')).toThrow(UnauthorizedException);
    expect(check(['admin'], 'Bearer fin-secret')).toThrow(ForbiddenException);
    expect(check(['admin'], 'Bearer adm-secret')()).toBe(true);
    expect(check(['finance'], 'Bearer fin-secret')()).toBe(true);
    expect(check(undefined)()).toBe(true); // public routes: health, metrics, docs
  });
});
