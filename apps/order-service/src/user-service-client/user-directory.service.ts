import { DownstreamUnavailable, Principal, ServiceHttpClient, TemporarilyUnavailable } from '@nest-oauth-m2m/auth';
import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { orderServiceConfig } from '../config/order-service.config';

export interface OwnerProfile {
  id: string;
  username: string;
  display_name: string;
}

/**
 * user-service, seen from order-service: called with order-service's own client-credentials token
 * (ServiceHttpClient adds it, and refetches once if user-service says invalid_token).
 */
@Injectable()
export class UserDirectory {
  private readonly logger = new Logger(UserDirectory.name);

  constructor(
    private readonly http: ServiceHttpClient,
    @Inject(orderServiceConfig.KEY) private readonly config: ConfigType<typeof orderServiceConfig>,
  ) {}

  /**
   * The calling user's profile. A user user-service has not met yet (created with the CLI or the admin
   * API) gets one just in time, from what their verified token says (sub, preferred_username, name):
   * user-service owns profiles, the auth-server owns who the user is.
   */
  async profileOf(caller: Principal): Promise<OwnerProfile> {
    const found = await this.call('GET', caller.subject);
    if (found.status === 200) return ownerOf(found.body);
    if (found.status !== 404) throw this.unexpected(found.status);
    const { preferred_username: username, name } = caller.claims as { preferred_username?: unknown; name?: unknown };
    // A token without the user's identity (another issuer, an older token) cannot create a profile.
    if (typeof username !== 'string') throw new NotFoundException('no profile at user-service for this user');
    const created = await this.call('PUT', caller.subject, { username, display_name: typeof name === 'string' ? name : username });
    if (created.status === 200 || created.status === 201) return ownerOf(created.body);
    if (created.status < 500) throw new NotFoundException(`user-service could not create a profile for this user (${created.status})`);
    throw this.unexpected(created.status);
  }

  private async call(method: 'GET' | 'PUT', userId: string, body?: object): Promise<{ status: number; body: OwnerProfile }> {
    const { url, timeoutMs } = this.config.userService;
    try {
      return await this.http.request<OwnerProfile>(`${url}/users/${encodeURIComponent(userId)}`, {
        method,
        timeoutMs,
        ...(body ? { json: body } : {}),
      });
    } catch (error) {
      if (error instanceof DownstreamUnavailable) throw new TemporarilyUnavailable('user-service is unavailable, retry shortly');
      throw error;
    }
  }

  private unexpected(status: number): TemporarilyUnavailable {
    this.logger.warn(`user-service answered ${status} for a profile lookup`);
    return new TemporarilyUnavailable(`user-service answered ${status}`);
  }
}

function ownerOf({ id, username, display_name }: OwnerProfile): OwnerProfile {
  return { id, username, display_name };
}
