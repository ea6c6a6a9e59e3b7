import { UnauthorizedClient, UnsupportedGrantType } from '@nest-oauth-m2m/auth';
import { Inject, Injectable } from '@nestjs/common';
import type { AuthenticatedClient } from '../../client-authentication/authenticated-client';
import { GRANT_HANDLERS, GrantHandler } from './grant-handler';

/** The token endpoint's grants by `grant_type`, and who may use each. */
@Injectable()
export class GrantHandlers {
  private readonly byGrantType: ReadonlyMap<string, GrantHandler>;
  /** The grant_type values with a handler (the token metrics label grants by these). */
  readonly grantTypes: ReadonlySet<string>;

  constructor(@Inject(GRANT_HANDLERS) handlers: GrantHandler[]) {
    this.byGrantType = new Map(handlers.map((handler) => [handler.grantType, handler]));
    if (this.byGrantType.size !== handlers.length) throw new Error('two grant handlers are registered for the same grant_type');
    this.grantTypes = new Set(this.byGrantType.keys());
  }

  /** The handler of `grantType`, once the caller may use that grant. */
  handlerFor(grantType: string, { client, method }: AuthenticatedClient): GrantHandler {
    const handler = this.byGrantType.get(grantType);
    if (!handler) throw new UnsupportedGrantType(`unsupported grant_type "${grantType}"`);
    // A public client holds no credentials, so it cannot act on its own behalf, whatever its registration says.
    if (method === 'none' && !handler.publicClients) throw new UnauthorizedClient(`a public client cannot use the ${grantType} grant`);
    if (!client.grantTypes.includes(grantType)) throw new UnauthorizedClient(`client is not allowed to use the ${grantType} grant`);
    return handler;
  }
}
