import { CustomDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { PrincipalKind } from './principal';

export const IS_PUBLIC_KEY = 'auth:public';
export const SCOPES_KEY = 'auth:scopes';
export const TOKEN_KIND_KEY = 'auth:token-kind';
export const AUTHENTICATED_KEY = 'auth:authenticated';

/** Opts a route (or controller) out of authentication. */
export const Public = (): CustomDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/** Requires a valid token carrying every listed scope. */
export const Scopes = (...scopes: string[]): CustomDecorator => SetMetadata(SCOPES_KEY, scopes);

/** Requires a valid token, no particular scope: an explicit decision, same as the default. */
export const Authenticated = (): CustomDecorator => SetMetadata(AUTHENTICATED_KEY, true);

/** Restricts a route to end-user tokens. */
export const UserOnly = (): CustomDecorator => SetMetadata(TOKEN_KIND_KEY, 'user' satisfies PrincipalKind);

/** Restricts a route to service (client-credentials) tokens. */
export const ServiceOnly = (): CustomDecorator => SetMetadata(TOKEN_KIND_KEY, 'service' satisfies PrincipalKind);

/** What a route's decorators ask of its caller, resolved once per route (guards run on every request). */
export interface RouteAuthRequirements {
  isPublic: boolean;
  scopes: string[];
  tokenKind?: PrincipalKind;
}

const requirementsByClass = new WeakMap<object, WeakMap<object, RouteAuthRequirements>>();

/** Handler metadata overrides class metadata, as `reflector.getAllAndOverride` reads it. */
export function routeAuthRequirements(reflector: Reflector, context: ExecutionContext): RouteAuthRequirements {
  const handler = context.getHandler();
  const controller = context.getClass();
  let byHandler = requirementsByClass.get(controller);
  if (!byHandler) requirementsByClass.set(controller, (byHandler = new WeakMap()));
  let requirements = byHandler.get(handler);
  if (!requirements) {
    const targets = [handler, controller];
    requirements = {
      isPublic: reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) === true,
      scopes: reflector.getAllAndOverride<string[]>(SCOPES_KEY, targets) ?? [],
      tokenKind: reflector.getAllAndOverride<PrincipalKind>(TOKEN_KIND_KEY, targets),
    };
    byHandler.set(handler, requirements);
  }
  return requirements;
}
