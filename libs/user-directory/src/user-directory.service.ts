import {
  DelegatedServiceHttp,
  DownstreamUnavailable,
  InvalidToken,
  Principal,
  ServiceHttpClient,
  TemporarilyUnavailable,
  TokenEndpointError,
} from '@nest-oauth-m2m/auth';
import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { UserServiceCallerConfig } from './user-service-caller.config';

/** The calling service's config (UserDirectoryModule.forRoot provides it from the service's namespace). */
export const USER_SERVICE_CALLER_CONFIG = Symbol('USER_SERVICE_CALLER_CONFIG');

export interface UserProfile {
  id: string;
  username: string;
  display_name: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The calling user's id: user ids are UUIDs, so a token whose `sub` is not one names no user here. */
export function userIdOf(caller: Principal): string {
  if (!UUID.test(caller.subject)) throw new InvalidToken('the token subject is not a user id');
  return caller.subject;
}

/**
 * user-service, seen from a service that calls it with its own client-credentials token, or (config
 * `userLookup: 'token_exchange'`) reads profiles with a token exchanged for the user's (RFC 8693).
 * ServiceHttpClient adds the token, and gets a new one once if user-service says invalid_token.
 */
@Injectable()
export class UserDirectory {
  private readonly logger = new Logger(UserDirectory.name);

  constructor(
    private readonly http: ServiceHttpClient,
    @Inject(USER_SERVICE_CALLER_CONFIG) private readonly config: UserServiceCallerConfig,
  ) {}

  /**
   * The calling user's profile. A user user-service has not met yet (created with the CLI or the admin
   * API) gets one just in time, from what their verified token says (sub, preferred_username, name):
   * user-service owns profiles, the auth-server owns who the user is. A missing profile is never 503:
   * it is created, or 404 when it cannot be (a token that does not say who the user is, a refused
   * PUT). Only user-service being down or failing (5xx, or an answer it should never give) is 503.
   *
   * `userToken` is the caller's access token (`@BearerToken()`): with `userLookup: 'token_exchange'`
   * the read carries a token exchanged for it, so user-service answers for this user only. Creating
   * a profile stays the service's own act (its users:provision token): the user's delegation covers
   * reading, and user-service never lets a token overwrite a profile.
   */
  async profileOf(caller: Principal, userToken?: string): Promise<UserProfile> {
    const found = await this.call(this.readerFor(userToken), 'GET', userIdOf(caller));
    if (found.status === 200) return profileOf(found.body);
    if (found.status !== 404) throw this.unexpected(found.status);
    const { preferred_username: username, name } = caller.claims as { preferred_username?: unknown; name?: unknown };
    // A token without the user's identity (another issuer, an older token) cannot create a profile.
    if (typeof username !== 'string') throw new NotFoundException('no profile at user-service for this user');
    const created = await this.call(this.http, 'PUT', caller.subject, { username, display_name: typeof name === 'string' ? name : username });
    if (created.status === 200 || created.status === 201) return profileOf(created.body);
    if (created.status < 500) throw new NotFoundException(`user-service could not create a profile for this user (${created.status})`);
    throw this.unexpected(created.status);
  }

  /** Whose token reads the profile: the service's own, or (token_exchange) one exchanged for the caller's. */
  private readerFor(userToken: string | undefined): Pick<ServiceHttpClient, 'request'> | DelegatedServiceHttp {
    if (this.config.userLookup !== 'token_exchange') return this.http;
    // A programming error (a controller that did not pass @BearerToken()), not the caller's fault.
    if (!userToken) throw new Error('userLookup token_exchange needs the caller\'s access token: profileOf(caller, token)');
    return this.http.onBehalfOf(userToken);
  }

  private async call(
    http: Pick<ServiceHttpClient, 'request'>,
    method: 'GET' | 'PUT',
    userId: string,
    body?: object,
  ): Promise<{ status: number; body: UserProfile }> {
    const { url, timeoutMs } = this.config.userService;
    try {
      return await http.request<UserProfile>(`${url}/users/${encodeURIComponent(userId)}`, {
        method,
        timeoutMs,
        ...(body ? { json: body } : {}),
      });
    } catch (error) {
      if (error instanceof DownstreamUnavailable) throw new TemporarilyUnavailable('user-service is unavailable, retry shortly');
      // The authorization server would not exchange the caller's token (revoked, expired meanwhile, not
      // meant for this service): to the caller, their token is not good enough, as RFC 6750 says it.
      if (error instanceof TokenEndpointError && error.error === 'invalid_grant') {
        throw new InvalidToken('the authorization server refused to exchange this access token');
      }
      throw error;
    }
  }

  private unexpected(status: number): TemporarilyUnavailable {
    this.logger.warn(`user-service answered ${status} for a profile lookup`);
    return new TemporarilyUnavailable(`user-service answered ${status}`);
  }
}

/** Only the fields callers show: user-service's email stays there. */
function profileOf({ id, username, display_name }: UserProfile): UserProfile {
  return { id, username, display_name };
}
