import { CustomDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { PrincipalKind } from './principal';

export const IS_PUBLIC_KEY = 'auth:public';
export const SCOPES_KEY = 'auth:scopes';
export const TOKEN_KIND_KEY = 'auth:token-kind';
export const ANY_SCOPE_KEY = 'auth:any-scope';

/** Opts a route (or controller) out of authentication. */
export const Public = (): CustomDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/** Requires a valid token carrying every listed scope. */
export const Scopes = (...scopes: string[]): CustomDecorator => SetMetadata(SCOPES_KEY, scopes);

/**
 * Requires a valid token carrying at least one of the listed scopes: a narrow scope or a broader one
 * that includes it (`@AnyScope('admin:users', 'admin')`). Combines with @Scopes() (both must hold).
 */
export const AnyScope = (...scopes: string[]): CustomDecorator => SetMetadata(ANY_SCOPE_KEY, scopes);

/** Restricts a route to end-user tokens. */
export const UserOnly = (): CustomDecorator => SetMetadata(TOKEN_KIND_KEY, 'user' satisfies PrincipalKind);

/** Restricts a route to service (client-credentials) tokens. */
export const ServiceOnly = (): CustomDecorator => SetMetadata(TOKEN_KIND_KEY, 'service' satisfies PrincipalKind);

/** What a route's decorators ask of its caller, resolved once per route (guards run on every request). */
export interface RouteAuthRequirements {
  isPublic: boolean;
  scopes: string[];
  /** @AnyScope(): one of these is required too (empty: no such requirement). */
  anyScopes: string[];
  tokenKind?: PrincipalKind;
}

const requirementsByClass = new WeakMap<object, WeakMap<object, RouteAuthRequirements>>();

/**
 * What a route's decorators ask, handler metadata overriding the controller's
 * (`Reflector.getAllAndOverride`). The one reading of route metadata: the guards, the API docs and the
 * tests all call it. (`new Reflector()` serves outside a Nest context.)
 */
export function readRouteAuthRequirements(reflector: Reflector, handler: object, controller: object): RouteAuthRequirements {
  const targets = [handler, controller] as Parameters<Reflector['getAllAndOverride']>[1];
  return {
    isPublic: reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) === true,
    scopes: reflector.getAllAndOverride<string[]>(SCOPES_KEY, targets) ?? [],
    anyScopes: reflector.getAllAndOverride<string[]>(ANY_SCOPE_KEY, targets) ?? [],
    tokenKind: reflector.getAllAndOverride<PrincipalKind>(TOKEN_KIND_KEY, targets),
  };
}

/** readRouteAuthRequirements for the route being served, computed once per route. */
export function routeAuthRequirements(reflector: Reflector, context: ExecutionContext): RouteAuthRequirements {
  const handler = context.getHandler();
  const controller = context.getClass();
  let byHandler = requirementsByClass.get(controller);
  if (!byHandler) requirementsByClass.set(controller, (byHandler = new WeakMap()));
  let requirements = byHandler.get(handler);
  if (!requirements) {
    requirements = readRouteAuthRequirements(reflector, handler, controller);
    byHandler.set(handler, requirements);
  }
  return requirements;
}
