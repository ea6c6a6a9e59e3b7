import { CustomDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { PrincipalKind } from './principal';

export const IS_PUBLIC_KEY = 'auth:public';
export const SCOPES_KEY = 'auth:scopes';
export const TOKEN_KIND_KEY = 'auth:token-kind';
export const ANY_SCOPE_KEY = 'auth:any-scope';
export const DELEGATION_KEY = 'auth:delegation';

/** Opts a route (or controller) out of authentication. */
export const Public = (): CustomDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/** Requires a valid token carrying every listed scope. */
export const Scopes = (...scopes: string[]): CustomDecorator => SetMetadata(SCOPES_KEY, scopes);

/**
 * Requires a valid token carrying at least one of the listed scopes: a narrow scope or a broader one
 * that includes it (`@AnyScope('admin:users', 'admin')`). Combines with @Scopes() (both must hold).
 */
export const AnyScope = (...scopes: string[]): CustomDecorator => SetMetadata(ANY_SCOPE_KEY, scopes);

/**
 * Restricts a route to end-user tokens: the user's own client's, or a delegated one (a service acting
 * on the user's behalf, RFC 8693). Add @NotDelegated() to take only the former.
 */
export const UserOnly = (): CustomDecorator => SetMetadata(TOKEN_KIND_KEY, 'user' satisfies PrincipalKind);

/**
 * Restricts a route to service (client-credentials) tokens: a service acting for itself. A delegated
 * token is a user's token and is refused; to take both, use `@OnBehalfOfUser({ orServiceToken: true })`.
 */
export const ServiceOnly = (): CustomDecorator => SetMetadata(TOKEN_KIND_KEY, 'service' satisfies PrincipalKind);

export interface OnBehalfOfUserOptions {
  /** Only these clients may be the acting one (the outermost `act.sub`, who sent the token). Default: any. */
  actors?: string[];
  /** Service (client-credentials) tokens are accepted too: the route serves a service for itself or for a user. */
  orServiceToken?: boolean;
}

/** What a route says about delegated tokens (RFC 8693 `act`). */
export type DelegationRequirement = { mode: 'required'; actors?: string[]; orServiceToken: boolean } | { mode: 'refused' };

/**
 * Demands a delegated token: a user's token that a service obtained by token exchange to act for
 * them (`sub` the user, `act` the service), optionally from the listed actors only. With
 * `orServiceToken`, a service's own token is accepted as well. Otherwise 403 insufficient_scope.
 *
 * `@OnBehalfOfUser({ actors: ['order-service'] })`
 */
export const OnBehalfOfUser = (options: OnBehalfOfUserOptions = {}): CustomDecorator => {
  if (options.actors && (!options.actors.length || options.actors.some((actor) => typeof actor !== 'string' || actor === ''))) {
    throw new TypeError('@OnBehalfOfUser({ actors }) needs at least one non-empty client id (omit it to accept any actor)');
  }
  const requirement: DelegationRequirement = { mode: 'required', orServiceToken: options.orServiceToken === true, ...(options.actors ? { actors: [...options.actors] } : {}) };
  return SetMetadata(DELEGATION_KEY, requirement);
};

/** Refuses delegated tokens (403 insufficient_scope): only the user's own client, or a service for itself. */
export const NotDelegated = (): CustomDecorator => SetMetadata(DELEGATION_KEY, { mode: 'refused' } satisfies DelegationRequirement);

/** What a route's decorators ask of its caller, resolved once per route (guards run on every request). */
export interface RouteAuthRequirements {
  isPublic: boolean;
  scopes: string[];
  /** @AnyScope(): one of these is required too (empty: no such requirement). */
  anyScopes: string[];
  tokenKind?: PrincipalKind;
  /** @OnBehalfOfUser() / @NotDelegated(). */
  delegation?: DelegationRequirement;
}

const requirementsByClass = new WeakMap<object, WeakMap<object, RouteAuthRequirements>>();

/**
 * What a route's decorators ask, handler metadata overriding the controller's
 * (`Reflector.getAllAndOverride`). The one reading of route metadata: the guards, the API docs and the
 * tests all call it. (`new Reflector()` serves outside a Nest context.)
 */
export function readRouteAuthRequirements(reflector: Reflector, handler: object, controller: object): RouteAuthRequirements {
  const targets = [handler, controller] as Parameters<Reflector['getAllAndOverride']>[1];
  const tokenKind = reflector.getAllAndOverride<PrincipalKind>(TOKEN_KIND_KEY, targets);
  const delegation = reflector.getAllAndOverride<DelegationRequirement>(DELEGATION_KEY, targets);
  // Read as "and", the two would let nothing in; read as "or", the route would say less than it does.
  if (tokenKind === 'service' && delegation?.mode === 'required') {
    throw new TypeError('@ServiceOnly() and @OnBehalfOfUser() on one route: use @OnBehalfOfUser({ orServiceToken: true }) to accept both');
  }
  return {
    isPublic: reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) === true,
    scopes: reflector.getAllAndOverride<string[]>(SCOPES_KEY, targets) ?? [],
    anyScopes: reflector.getAllAndOverride<string[]>(ANY_SCOPE_KEY, targets) ?? [],
    tokenKind,
    ...(delegation ? { delegation } : {}),
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

/**
 * The kind of token a route takes, in words, for the development flow trace: `user`, `service`,
 * `delegated` (@OnBehalfOfUser), `service or delegated`, `user, not delegated`…
 */
export function describeRequiredCaller({ tokenKind, delegation }: Pick<RouteAuthRequirements, 'tokenKind' | 'delegation'>): string | undefined {
  if (delegation?.mode === 'required') {
    const actors = delegation.actors ? ` by ${delegation.actors.join(' or ')}` : '';
    return `${delegation.orServiceToken ? 'service or ' : ''}delegated${actors}`;
  }
  if (delegation?.mode === 'refused') return tokenKind ? `${tokenKind}, not delegated` : 'not delegated';
  return tokenKind;
}
