import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InsufficientScope } from '../errors/oauth.errors';
import { FlowTrace } from '../trace/flow-trace';
import { DelegationRequirement, describeRequiredCaller, routeAuthRequirements } from './decorators';
import { GuardDecisionStats } from './guard-decision.stats';
import type { Principal } from './principal';

/**
 * Global guard that runs after BearerAuthGuard: every scope of @Scopes() must be granted, one of
 * @AnyScope() if given, @UserOnly() / @ServiceOnly() must match the token kind, and
 * @OnBehalfOfUser() / @NotDelegated() the delegation (a service's own token is never a delegated one,
 * a delegated token never a service's own). All fail with 403 insufficient_scope.
 */
@Injectable()
export class ScopesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly decisions: GuardDecisionStats,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const { isPublic, scopes: required, anyScopes, tokenKind: kind, delegation } = routeAuthRequirements(this.reflector, context);
    if (isPublic) return true;
    const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    const requiredTokenKind = FlowTrace.current() ? describeRequiredCaller({ tokenKind: kind, delegation }) : undefined;
    const deny = (reason: string, challenge = required): never => {
      this.decisions.record(context, 'insufficient_scope', `insufficient_scope: ${reason}`);
      FlowTrace.recordGuard({ requiredScopes: required, requiredTokenKind, decision: 'deny', reason: `insufficient_scope: ${reason}` });
      throw new InsufficientScope(reason, challenge);
    };
    if (!principal) deny('no verified caller');
    const refusal = delegationRefusal(principal!, kind, delegation);
    if (refusal) deny(refusal);
    if (kind && principal!.kind !== kind) deny(`this route accepts ${kind} tokens only, not ${principal!.kind} tokens`);
    const missing = required.filter((scope) => !principal!.scopes.includes(scope));
    if (missing.length) deny(`missing scope: ${missing.join(' ')}`);
    // The challenge names the narrowest alternative (the first): what a least-privilege caller should ask for.
    if (anyScopes.length && !anyScopes.some((scope) => principal!.scopes.includes(scope))) {
      deny(`missing scope: one of ${anyScopes.join(', ')}`, [...required, anyScopes[0]!]);
    }
    this.decisions.record(context, 'allowed');
    FlowTrace.recordGuard({ requiredScopes: required, requiredTokenKind, decision: 'allow' });
    return true;
  }
}

/** Why the route's delegation rule refuses this caller, or undefined. */
function delegationRefusal(principal: Principal, kind: Principal['kind'] | undefined, rule: DelegationRequirement | undefined): string | undefined {
  const { delegation } = principal;
  if (delegation && kind === 'service') return 'this route accepts service tokens only, not tokens acting on behalf of a user';
  if (!rule) return undefined;
  if (rule.mode === 'refused') return delegation ? 'this route does not accept tokens acting on behalf of a user' : undefined;
  if (!delegation) {
    if (rule.orServiceToken && principal.kind === 'service') return undefined;
    return `this route accepts tokens acting on behalf of a user${rule.orServiceToken ? ' or service tokens' : ''} only`;
  }
  if (rule.actors && !rule.actors.includes(delegation.actor)) return `${delegation.actor} may not act on behalf of users here`;
  return undefined;
}
