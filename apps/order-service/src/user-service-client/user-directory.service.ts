import { DownstreamUnavailable, ServiceHttpClient, TemporarilyUnavailable } from '@nest-oauth-m2m/auth';
import { Inject, Injectable, Logger } from '@nestjs/common';
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

  async profile(userId: string): Promise<OwnerProfile> {
    const { url, timeoutMs } = this.config.userService;
    let response;
    try {
      response = await this.http.request<OwnerProfile>(`${url}/users/${encodeURIComponent(userId)}`, { timeoutMs });
    } catch (error) {
      if (error instanceof DownstreamUnavailable) {
        throw new TemporarilyUnavailable('user-service is unavailable, retry shortly');
      }
      throw error;
    }
    if (response.status === 200) {
      const { id, username, display_name } = response.body;
      return { id, username, display_name };
    }
    // A 404 means the token's user has no profile; anything else is user-service's (or our) fault.
    this.logger.warn(`user-service answered ${response.status} for a profile lookup`);
    throw new TemporarilyUnavailable(
      response.status === 404 ? 'the user has no profile at user-service' : `user-service answered ${response.status}`,
    );
  }
}
