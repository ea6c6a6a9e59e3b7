import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InsufficientScope } from '../errors/oauth.errors';
import { IS_PUBLIC_KEY, SCOPES_KEY, TOKEN_KIND_KEY } from './decorators';
import type { Principal, PrincipalKind } from './principal';

/**
 * Global guard that runs after BearerAuthGuard: every scope of @Scopes() must be granted, and
 * @UserOnly() / @ServiceOnly() must match the token kind. Both fail with 403 insufficient_scope.
 */
@Injectable()
export class ScopesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    const required = this.reflector.getAllAndOverride<string[]>(SCOPES_KEY, targets) ?? [];
    const kind = this.reflector.getAllAndOverride<PrincipalKind>(TOKEN_KIND_KEY, targets);
    const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    if (!principal) throw new InsufficientScope('no verified caller', required);
    if (kind && principal.kind !== kind) {
      throw new InsufficientScope(`this route accepts ${kind} tokens only, not ${principal.kind} tokens`, required);
    }
    const missing = required.filter((scope) => !principal.scopes.includes(scope));
    if (missing.length) throw new InsufficientScope(`missing scope: ${missing.join(' ')}`, required);
    return true;
  }
}
