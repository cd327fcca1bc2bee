import type { FormParams } from './form-body';
import {
  attachPaymentMethod,
  confirmPaymentIntent,
  createCustomer,
  createPaymentIntent,
  createRefund,
  retrieveRefund,
  retrieveCustomer,
  retrievePaymentIntent,
  retrievePaymentMethod,
  type ApiContext,
  type ApiResult,
} from './stripe-api';

/** One Stripe endpoint the sandbox serves; `path` names the object id `:id`, as Stripe's docs do. */
export interface ApiRoute {
  method: 'GET' | 'POST';
  path: string;
  run(ctx: ApiContext, params: FormParams, id: string): ApiResult;
}

export interface MatchedRoute {
  route: ApiRoute;
  /** The decoded `:id` of the path, or '' when the path has none. */
  id: string;
}

const ROUTES: readonly ApiRoute[] = [
  { method: 'POST', path: '/v1/customers', run: (ctx, params) => createCustomer(ctx, params) },
  { method: 'GET', path: '/v1/customers/:id', run: (ctx, _params, id) => retrieveCustomer(ctx, id) },
  { method: 'POST', path: '/v1/payment_methods/:id/attach', run: (ctx, params, id) => attachPaymentMethod(ctx, id, params) },
  { method: 'GET', path: '/v1/payment_methods/:id', run: (ctx, _params, id) => retrievePaymentMethod(ctx, id) },
  { method: 'POST', path: '/v1/payment_intents', run: (ctx, params) => createPaymentIntent(ctx, params) },
  { method: 'GET', path: '/v1/payment_intents/:id', run: (ctx, _params, id) => retrievePaymentIntent(ctx, id) },
  { method: 'POST', path: '/v1/payment_intents/:id/confirm', run: (ctx, params, id) => confirmPaymentIntent(ctx, id, params) },
  { method: 'POST', path: '/v1/refunds', run: (ctx, params) => createRefund(ctx, params) },
  { method: 'GET', path: '/v1/refunds/:id', run: (ctx, _params, id) => retrieveRefund(ctx, id) },
];

const COMPILED = ROUTES.map((route) => ({ route, pattern: new RegExp(`^${route.path.replace(':id', '([^/]+)')}$`) }));

export function matchRoute(method: string, pathname: string): MatchedRoute | undefined {
  for (const { route, pattern } of COMPILED) {
    if (route.method !== method) continue;
    const match = pattern.exec(pathname);
    if (match !== null) return { route, id: decodeURIComponent(match[1] ?? '') };
  }
  return undefined;
}
