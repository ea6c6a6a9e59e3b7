import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InsufficientScope } from '../errors/oauth.errors';
import { FlowTrace } from '../trace/flow-trace';
import { DelegationRequirement, describeRequiredCaller, RouteAuthRequirements, routeAuthRequirements } from './decorators';
import { GuardDecisionStats } from './guard-decision.stats';
import type { Principal } from './principal';
import { httpRequestOf } from './http-request';

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
    const requirements = routeAuthRequirements(this.reflector, context);
    if (requirements.isPublic) return true;
    const principal = httpRequestOf<{ user?: Principal }>(context).user;
    const refusal = principal ? refusalOf(principal, requirements) : { reason: 'no verified caller' };
    if (refusal) this.deny(context, requirements, refusal);
    this.decisions.record(context, 'allowed');
    // Every request passes here: the flow trace's record is built only when there is a flow trace.
    if (FlowTrace.current()) FlowTrace.recordGuard({ requiredScopes: requirements.scopes, requiredTokenKind: describeRequiredCaller(requirements), decision: 'allow' });
    return true;
  }

  private deny(context: ExecutionContext, requirements: RouteAuthRequirements, { reason, challenge }: Refusal): never {
    this.decisions.record(context, 'insufficient_scope', `insufficient_scope: ${reason}`);
    FlowTrace.recordGuard({
      requiredScopes: requirements.scopes,
      requiredTokenKind: FlowTrace.current() ? describeRequiredCaller(requirements) : undefined,
      decision: 'deny',
      reason: `insufficient_scope: ${reason}`,
    });
    throw new InsufficientScope(reason, challenge ?? requirements.scopes);
  }
}

/** Why a route refuses a verified caller, and the scopes its challenge names (the route's own unless set). */
interface Refusal {
  reason: string;
  challenge?: string[];
}

/** Why the route refuses this verified caller, or undefined when it may pass. */
function refusalOf(principal: Principal, { scopes: required, anyScopes, tokenKind: kind, delegation }: RouteAuthRequirements): Refusal | undefined {
  const refusal = delegationRefusal(principal, kind, delegation);
  if (refusal) return { reason: refusal };
  if (kind && principal.kind !== kind) return { reason: `this route accepts ${kind} tokens only, not ${principal.kind} tokens` };
  if (!required.every((scope) => principal.scopes.includes(scope))) {
    return { reason: `missing scope: ${required.filter((scope) => !principal.scopes.includes(scope)).join(' ')}` };
  }
  // The challenge names the narrowest alternative (the first): what a least-privilege caller should ask for.
  if (anyScopes.length && !anyScopes.some((scope) => principal.scopes.includes(scope))) {
    return { reason: `missing scope: one of ${anyScopes.join(', ')}`, challenge: [...required, anyScopes[0]!] };
  }
  return undefined;
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
