import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { TokenEndpointAuthMethod, ClientEntity } from '../clients/client.entity';

export interface AuthenticatedClient {
  client: ClientEntity;
  method: TokenEndpointAuthMethod;
  /** client_secret_basic / _post: the id of the secret presented (admin tokens record it). */
  secretId?: string;
}

/** Request property the client-authentication guard fills in (passport's `user`). */
export const CLIENT_PROPERTY = 'user';

/** The client that authenticated to this endpoint. */
export const CurrentClient = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedClient =>
    context.switchToHttp().getRequest<Record<string, AuthenticatedClient>>()[CLIENT_PROPERTY]!,
);
