import { CustomDecorator, SetMetadata } from '@nestjs/common';
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
