import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { InsufficientScope } from '../errors/oauth.errors';
import { AnyScope, Scopes } from './decorators';
import { GuardDecisionStats } from './guard-decision.stats';
import type { Principal } from './principal';
import { ScopesGuard } from './scopes.guard';

class AdminUsers {
  @AnyScope('admin:users', 'admin')
  list(): void {}

  @Scopes('reports:read')
  @AnyScope('admin:users', 'admin')
  both(): void {}
}

describe('ScopesGuard with @AnyScope', () => {
  const guard = new ScopesGuard(new Reflector(), new GuardDecisionStats());
  const context = (handler: () => void, scopes: string[]) =>
    new ExecutionContextHost([{ method: 'GET', user: { kind: 'service', scopes } as Partial<Principal> }], AdminUsers, handler);
  const refusal = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(InsufficientScope);
      return error as InsufficientScope;
    }
    throw new Error('allowed');
  };

  it('lets a token with any one of the listed scopes through', () => {
    expect(guard.canActivate(context(AdminUsers.prototype.list, ['admin:users']))).toBe(true);
    expect(guard.canActivate(context(AdminUsers.prototype.list, ['admin']))).toBe(true);
  });

  it('refuses a token with none of them, the challenge naming the first (narrowest) one', () => {
    const error = refusal(() => guard.canActivate(context(AdminUsers.prototype.list, ['admin:clients'])));
    expect(error.message).toBe('missing scope: one of admin:users, admin');
    expect(error.challengeParams.scope).toBe('admin:users');
  });

  it('combines with @Scopes(): both must hold', () => {
    expect(guard.canActivate(context(AdminUsers.prototype.both, ['reports:read', 'admin']))).toBe(true);
    refusal(() => guard.canActivate(context(AdminUsers.prototype.both, ['admin'])));
    refusal(() => guard.canActivate(context(AdminUsers.prototype.both, ['reports:read'])));
  });
});
