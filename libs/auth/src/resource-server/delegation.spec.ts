import { Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { InsufficientScope, InvalidToken } from '../errors/oauth.errors';
import { describeRequiredCaller, NotDelegated, OnBehalfOfUser, readRouteAuthRequirements, Scopes, ServiceOnly, UserOnly } from './decorators';
import { GuardDecisionStats } from './guard-decision.stats';
import { AccessTokenClaims, delegationOf, MAX_ACTOR_CHAIN, Principal, principalFromClaims } from './principal';
import { ScopesGuard } from './scopes.guard';

const base = { iss: 'https://issuer.test', aud: 'api://user-service', exp: 2_000_000_000 };
/** Tokens as the auth-server issues them: a user's own, a service's own, and exchanged ones (RFC 8693). */
const claims = {
  user: { ...base, sub: 'alice', client_id: 'demo-app', scope: 'users:read', auth_time: 1 },
  service: { ...base, sub: 'order-service', client_id: 'order-service', scope: 'users:read' },
  delegated: { ...base, sub: 'alice', client_id: 'order-service', scope: 'users:read', act: { sub: 'order-service' } },
  // billing-service was served by order-service with a delegated token and exchanged it again.
  nested: { ...base, sub: 'alice', client_id: 'billing-service', scope: 'users:read', act: { sub: 'billing-service', act: { sub: 'order-service' } } },
} satisfies Record<string, AccessTokenClaims>;

describe('Principal.delegation (RFC 8693 act)', () => {
  it('a delegated token is a user token: subject the user, client the actor, the chain outermost first', () => {
    expect(principalFromClaims(claims.delegated)).toMatchObject({
      kind: 'user',
      subject: 'alice',
      clientId: 'order-service',
      delegation: { user: 'alice', actor: 'order-service', chain: ['order-service'] },
    });
    expect(principalFromClaims(claims.nested).delegation).toEqual({ user: 'alice', actor: 'billing-service', chain: ['billing-service', 'order-service'] });
  });

  it('tokens without act have no delegation', () => {
    expect(principalFromClaims(claims.user)).not.toHaveProperty('delegation');
    expect(principalFromClaims(claims.service)).toMatchObject({ kind: 'service' });
    expect(principalFromClaims(claims.service)).not.toHaveProperty('delegation');
  });

  it('a token with act is never a service acting for itself, even when sub equals client_id', () => {
    // A service's own token exchanged by another service: sub = client_id would read as a service token.
    const chained = { ...base, sub: 'reporting-service', client_id: 'reporting-service', act: { sub: 'order-service' } };
    expect(principalFromClaims(chained).kind).toBe('user');
  });

  it.each([
    ['not an object', 'order-service'],
    ['without sub', { client_id: 'order-service' }],
    ['with an empty sub', { sub: '' }],
    ['with a nested act without sub', { sub: 'billing-service', act: {} }],
    ['with a numeric sub', { sub: 42 }],
  ])('an act claim %s makes the token invalid', (_case, act) => {
    expect(() => delegationOf({ ...claims.user, act } as unknown as AccessTokenClaims)).toThrow(InvalidToken);
  });

  it(`refuses a chain deeper than ${MAX_ACTOR_CHAIN}`, () => {
    const chainOf = (depth: number) => Array.from({ length: depth }, (_, i) => `svc-${i}`).reduceRight<object | undefined>((act, sub) => ({ sub, ...(act ? { act } : {}) }), undefined);
    expect(delegationOf({ ...claims.user, act: chainOf(MAX_ACTOR_CHAIN) } as AccessTokenClaims)!.chain).toHaveLength(MAX_ACTOR_CHAIN);
    expect(() => delegationOf({ ...claims.user, act: chainOf(MAX_ACTOR_CHAIN + 1) } as AccessTokenClaims)).toThrow('nested too deeply');
  });
});

class Routes {
  @Scopes('users:read')
  anyCaller(): void {}

  @UserOnly()
  userOnly(): void {}

  @UserOnly()
  @NotDelegated()
  userDirectOnly(): void {}

  @NotDelegated()
  notDelegated(): void {}

  @ServiceOnly()
  @Scopes('users:read')
  serviceOnly(): void {}

  @OnBehalfOfUser()
  @Scopes('users:read')
  onBehalfOfAnyone(): void {}

  @OnBehalfOfUser({ actors: ['order-service'] })
  onBehalfOfOrderService(): void {}

  @OnBehalfOfUser({ actors: ['order-service'], orServiceToken: true })
  @Scopes('users:read')
  serviceOrDelegated(): void {}
}

@OnBehalfOfUser({ actors: ['order-service'] })
class DelegatedController {
  inherited(): void {}

  @NotDelegated()
  overridden(): void {}
}

describe('ScopesGuard: who may call (token kind and delegation)', () => {
  const guard = new ScopesGuard(new Reflector(), new GuardDecisionStats());
  const decide = (controller: object, handler: () => void, caller: keyof typeof claims): string => {
    const context = new ExecutionContextHost([{ method: 'GET', user: principalFromClaims(claims[caller]) as Principal }], controller as Type, handler);
    try {
      guard.canActivate(context);
      return 'allow';
    } catch (error) {
      expect(error).toBeInstanceOf(InsufficientScope);
      return `403 ${(error as InsufficientScope).message}`;
    }
  };
  const matrix = (controller: object, handler: () => void) => ({
    user: decide(controller, handler, 'user'),
    service: decide(controller, handler, 'service'),
    delegated: decide(controller, handler, 'delegated'),
    nested: decide(controller, handler, 'nested'),
  });
  const r = Routes.prototype;

  it('without a rule, every kind of token', () => {
    expect(matrix(Routes, r.anyCaller)).toEqual({ user: 'allow', service: 'allow', delegated: 'allow', nested: 'allow' });
  });

  it('@UserOnly(): a delegated token is a user token', () => {
    expect(matrix(Routes, r.userOnly)).toMatchObject({ user: 'allow', delegated: 'allow', nested: 'allow', service: expect.stringMatching(/^403/) });
  });

  it('@NotDelegated(): no token acting on behalf of a user, alone or with @UserOnly()', () => {
    const refused = '403 this route does not accept tokens acting on behalf of a user';
    expect(matrix(Routes, r.notDelegated)).toEqual({ user: 'allow', service: 'allow', delegated: refused, nested: refused });
    expect(matrix(Routes, r.userDirectOnly)).toMatchObject({ user: 'allow', delegated: refused, service: expect.stringMatching(/^403/) });
  });

  it('@ServiceOnly(): a delegated token is refused, though its client is a service', () => {
    const refused = '403 this route accepts service tokens only, not tokens acting on behalf of a user';
    expect(matrix(Routes, r.serviceOnly)).toEqual({
      user: '403 this route accepts service tokens only, not user tokens',
      service: 'allow',
      delegated: refused,
      nested: refused,
    });
  });

  it('@OnBehalfOfUser(): delegated tokens only; with actors, only from those clients (the current actor)', () => {
    const notDelegated = '403 this route accepts tokens acting on behalf of a user only';
    expect(matrix(Routes, r.onBehalfOfAnyone)).toEqual({ user: notDelegated, service: notDelegated, delegated: 'allow', nested: 'allow' });
    expect(matrix(Routes, r.onBehalfOfOrderService)).toEqual({
      user: notDelegated,
      service: notDelegated,
      delegated: 'allow',
      // order-service is in the chain, but billing-service sent the token.
      nested: '403 billing-service may not act on behalf of users here',
    });
  });

  it('@OnBehalfOfUser({ orServiceToken: true }): a service for itself, or for a user', () => {
    expect(matrix(Routes, r.serviceOrDelegated)).toEqual({
      user: '403 this route accepts tokens acting on behalf of a user or service tokens only',
      service: 'allow',
      delegated: 'allow',
      nested: '403 billing-service may not act on behalf of users here',
    });
  });

  it('on a controller, and overridden by a handler', () => {
    const d = DelegatedController.prototype;
    expect(matrix(DelegatedController, d.inherited)).toMatchObject({ delegated: 'allow', user: expect.stringMatching(/^403/) });
    expect(matrix(DelegatedController, d.overridden)).toMatchObject({ delegated: expect.stringMatching(/^403/), user: 'allow' });
  });

  it('the route requirements name the rule; @ServiceOnly() with @OnBehalfOfUser() is a mistake said at once', () => {
    const reflector = new Reflector();
    expect(readRouteAuthRequirements(reflector, r.serviceOrDelegated, Routes).delegation).toEqual({ mode: 'required', actors: ['order-service'], orServiceToken: true });
    expect(readRouteAuthRequirements(reflector, r.anyCaller, Routes)).not.toHaveProperty('delegation');
    class Confused {
      @ServiceOnly()
      @OnBehalfOfUser()
      both(): void {}
    }
    expect(() => readRouteAuthRequirements(reflector, Confused.prototype.both, Confused)).toThrow(/orServiceToken: true/);
    expect(() => OnBehalfOfUser({ actors: [] })).toThrow(TypeError);
  });

  it('the flow trace names what the route takes in words', () => {
    const reflector = new Reflector();
    const said = (handler: () => void) => describeRequiredCaller(readRouteAuthRequirements(reflector, handler, Routes));
    expect([said(r.anyCaller), said(r.userOnly), said(r.serviceOnly)]).toEqual([undefined, 'user', 'service']);
    expect([said(r.userDirectOnly), said(r.notDelegated)]).toEqual(['user, not delegated', 'not delegated']);
    expect([said(r.onBehalfOfAnyone), said(r.onBehalfOfOrderService), said(r.serviceOrDelegated)]).toEqual([
      'delegated',
      'delegated by order-service',
      'service or delegated by order-service',
    ]);
  });
});
