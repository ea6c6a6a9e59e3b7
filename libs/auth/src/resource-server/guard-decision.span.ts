import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { OAuthError } from '../errors/oauth.errors';
import { authTracer } from '../trace/otel';
import { describeRequiredCaller, routeAuthRequirements } from './decorators';
import type { GuardOutcome } from './guard-decision.stats';
import type { Principal } from './principal';
import { httpRequestOf } from './http-request';

// The guards resolved the route's requirements before deciding, so this reads their cache.
const reflector = new Reflector();

/**
 * One `auth.guard` span per decision, when a tracer provider is registered: the route, what it requires,
 * the outcome and, on a denial, the OAuth error and its description (which never hold a token). The
 * caller is named by client_id and, for a user token, its subject (`user.id`), never by its token.
 */
export function traceGuardDecision(context: ExecutionContext, outcome: GuardOutcome, denial?: unknown): void {
  const tracer = authTracer();
  if (!tracer) return;
  const request = httpRequestOf<{ method?: string; routeOptions?: { url?: string }; route?: { path?: string }; user?: Principal }>(context);
  const requirements = routeAuthRequirements(reflector, context);
  const { scopes } = requirements;
  // In the words of the flow trace: `service`, `user`, `service or delegated`, `delegated by order-service`…
  const tokenKind = describeRequiredCaller(requirements);
  const decision = outcome === 'allowed' ? 'allow' : outcome === 'public' ? 'public' : 'deny';
  const span = tracer.startSpan('auth.guard', {
    attributes: {
      'http.request.method': request.method ?? 'UNKNOWN',
      'http.route': request.routeOptions?.url ?? request.route?.path ?? 'unknown',
      'auth.decision': decision,
      'auth.outcome': outcome,
      'auth.required_scopes': scopes,
      ...(tokenKind ? { 'auth.required_token_kind': tokenKind } : {}),
      ...(decision === 'deny' ? { 'auth.denial_reason': reasonOf(denial) ?? outcome } : {}),
    },
  });
  const caller = decision === 'allow' ? request.user : undefined;
  if (caller) {
    span.setAttributes({ 'auth.token_kind': caller.kind, 'oauth.client_id': caller.clientId, 'oauth.scope': caller.scopes });
    if (caller.kind === 'user') span.setAttribute('user.id', caller.subject);
    // The services acting for the user (client ids, never a token).
    if (caller.delegation) span.setAttribute('oauth.actor_chain', caller.delegation.chain);
  }
  span.end();
}

function reasonOf(denial: unknown): string | undefined {
  if (denial instanceof OAuthError) return `${denial.error}: ${denial.message}`;
  return typeof denial === 'string' ? denial : undefined;
}
