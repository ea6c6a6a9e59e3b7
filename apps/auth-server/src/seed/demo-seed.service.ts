import { DEMO_USERS, releaseStartHeapNow } from '@app/platform';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SEED_ACTOR } from '../audit/audit-log';
import { RegistrationError } from '../audit/registration-error';
import { ClientEntity, TOKEN_EXCHANGE_GRANT_TYPE } from '../clients/client.entity';
import { ClientGrantsService } from '../clients/client-grants.service';
import { ClientLifecycleService, CreateClientInput } from '../clients/client-lifecycle.service';
import { ClientRegistrationError } from '../clients/client-registration.policy';
import { ClientViews } from '../clients/client-views';
import { redirectUriProblem } from '../clients/redirect-uri-policy';
import { authServerConfig } from '../config/auth-server.config';
import { TrustedIssuersService } from '../trusted-issuers/trusted-issuers.service';
import { ResourcesService } from '../resources/resources.service';
import { UsersService } from '../users/users.service';

export const DEMO_CLIENT_ID = 'order-service';
export const USER_SERVICE_AUDIENCE = 'api://user-service';
export const ORDER_SERVICE_AUDIENCE = 'api://order-service';
export const DEMO_APP_CLIENT_ID = 'demo-app';
export const USER_SERVICE_CLIENT_ID = 'user-service';
/** users:provision lets a service create the profile of a user whose token it verified (PUT /users/:id). */
const USER_SERVICE_SCOPES = ['users:read', 'users:provision'];
/** What order-service may do at user-service on behalf of the user it serves: read that user. */
const DELEGATED_USER_SERVICE_SCOPES = ['users:read'];

/**
 * Outside production, creates the demo data once (idempotent, safe for replicas starting together):
 * - the resources api://user-service (users:read users:provision) and api://order-service (orders:read orders:write);
 * - `order-service`: confidential client granted users:read and users:provision (just-in-time profiles)
 *   at api://user-service, secret ORDER_SERVICE_CLIENT_SECRET;
 *   owner of api://order-service (it may introspect the user tokens it receives);
 *   and, by token exchange (RFC 8693), users:read at api://user-service on behalf of the users whose
 *   tokens for api://order-service it receives (USER_LOOKUP=token_exchange);
 * - `user-service` (when USER_SERVICE_CLIENT_SECRET is set): owner of api://user-service, no grants;
 * - secretless (DEMO_WORKLOAD_ISSUER set): that issuer trusted (kind kubernetes, keys discovered), and
 *   `order-service` and `user-service` seeded as federated_jwt clients of it instead, no secret;
 * - `reporting-service` (when REPORTING_SERVICE_CLIENT_SECRET is set): granted orders:read at
 *   api://order-service, nothing at api://user-service;
 * - outside production only: `demo-app`, a public client for end-user login (authorization code +
 *   PKCE, loopback redirects) granted orders:read orders:write at api://order-service, and the users
 *   alice and bob (passwords ALICE_PASSWORD / BOB_PASSWORD).
 * An existing user or client is left as it is (a changed password env var does not overwrite it).
 */
@Injectable()
export class DemoSeedService implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoSeedService.name);

  constructor(
    private readonly clients: ClientLifecycleService,
    private readonly grants: ClientGrantsService,
    private readonly views: ClientViews,
    private readonly users: UsersService,
    private readonly resources: ResourcesService,
    private readonly trustedIssuers: TrustedIssuersService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.seedDemoData) return;
    await this.ensureResource(USER_SERVICE_AUDIENCE, 'User service (demo)', USER_SERVICE_SCOPES);
    await this.ensureResource(ORDER_SERVICE_AUDIENCE, 'Order service (demo)', ['orders:read', 'orders:write']);
    const workload = this.config.demoWorkloadIdentity;
    if (workload) await this.ensureTrustedIssuer(workload.issuer);
    const credentialsOf = (clientId: string, secret: string | undefined): Pick<CreateClientInput, 'authMethod' | 'secret' | 'federatedIssuer' | 'federatedSubject'> =>
      workload
        ? { authMethod: 'federated_jwt', federatedIssuer: workload.issuer, federatedSubject: `${workload.subjectPrefix}${clientId}` }
        : { authMethod: 'client_secret_basic', secret };
    if (this.config.demoOrderServiceSecret || workload) {
      await this.ensureClient({
        clientId: DEMO_CLIENT_ID,
        name: 'Order service (demo)',
        grants: [
          { resource: USER_SERVICE_AUDIENCE, scopes: USER_SERVICE_SCOPES },
          { resource: USER_SERVICE_AUDIENCE, scopes: DELEGATED_USER_SERVICE_SCOPES, kind: 'delegation' },
        ],
        // order-service is also the resource server of api://order-service: it may introspect user tokens,
        // and exchange them for user-service on the user's behalf.
        ownedAudiences: [ORDER_SERVICE_AUDIENCE],
        grantTypes: ['client_credentials', TOKEN_EXCHANGE_GRANT_TYPE],
        ...credentialsOf(DEMO_CLIENT_ID, this.config.demoOrderServiceSecret),
      });
      await this.clients.addOwnedAudience(DEMO_CLIENT_ID, ORDER_SERVICE_AUDIENCE, SEED_ACTOR);
      await this.addMissingGrantedScopes(DEMO_CLIENT_ID, USER_SERVICE_AUDIENCE, USER_SERVICE_SCOPES);
      // A database seeded before token exchange existed gets the grant type and the delegation grant.
      await this.clients.addGrantType(DEMO_CLIENT_ID, TOKEN_EXCHANGE_GRANT_TYPE, SEED_ACTOR);
      await this.ensureDelegationGrant(DEMO_CLIENT_ID, USER_SERVICE_AUDIENCE, DELEGATED_USER_SERVICE_SCOPES);
    }
    if (this.config.demoUserServiceSecret || workload) {
      // user-service calls no one: its client exists to introspect tokens issued for api://user-service.
      await this.ensureClient({
        clientId: USER_SERVICE_CLIENT_ID,
        name: 'User service (demo resource server)',
        ownedAudiences: [USER_SERVICE_AUDIENCE],
        grantTypes: [],
        ...credentialsOf(USER_SERVICE_CLIENT_ID, this.config.demoUserServiceSecret),
      });
    }
    if (this.config.demoReportingServiceSecret) {
      await this.ensureClient({
        clientId: 'reporting-service',
        name: 'Reporting service (demo)',
        grants: [{ resource: ORDER_SERVICE_AUDIENCE, scopes: ['orders:read'] }],
        authMethod: 'client_secret_basic',
        secret: this.config.demoReportingServiceSecret,
      });
    }
    // End-user login demo data (a public client and two users with known passwords): never in production.
    if (this.config.production) {
      this.logger.warn('SEED_DEMO_DATA is on in production: the demo users and the public demo-app client are not seeded');
      return;
    }
    await this.ensureClient({
      clientId: DEMO_APP_CLIENT_ID,
      name: 'Demo app',
      grants: [{ resource: ORDER_SERVICE_AUDIENCE, scopes: ['orders:read', 'orders:write'] }],
      authMethod: 'none',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: ['http://127.0.0.1/callback'],
    });
    // A database seeded under another ISSUER gets the current explorer callback added (development only).
    // An ISSUER the redirect-URI rule refuses (plain http on a name other than localhost) leaves the
    // explorer without a callback rather than the auth-server without a start.
    const explorerCallback = this.explorerCallback();
    const problem = redirectUriProblem(explorerCallback, this.config);
    if (problem) {
      this.logger.warn(`the flow explorer's sign-in is off: its callback ${explorerCallback} ${problem} (set ISSUER to https, localhost or a loopback IP)`);
    } else {
      await this.clients.addRedirectUri(DEMO_APP_CLIENT_ID, explorerCallback, SEED_ACTOR);
    }
    const passwords = this.config.demoUserPasswords;
    if (passwords) {
      const missing = [];
      for (const entry of [
        [DEMO_USERS.alice, passwords.alice],
        [DEMO_USERS.bob, passwords.bob],
      ] as const) {
        if (!(await this.users.exists(entry[0]))) missing.push(entry);
      }
      // A fresh database: the start's garbage goes back before the password hashes (scrypt, 16 MiB
      // each, outside the heap), which otherwise set the auth-server's peak memory (issue 28).
      if (missing.length) releaseStartHeapNow();
      for (const [user, password] of missing) {
        if (await this.users.ensure({ id: user.id, username: user.username, displayName: user.displayName, password }, SEED_ACTOR)) {
          this.logger.log(`seeded demo user "${user.username}"`);
        }
      }
    }
  }

  /** The flow explorer's callback follows ISSUER, so the explorer works on whatever port the auth-server has. */
  private explorerCallback(): string {
    return `${this.config.issuer}/explorer/callback`;
  }

  /**
   * An existing resource keeps its name and scopes (an operator may have changed them); a scope the
   * demo gained since the database was seeded (users:provision) is added to it.
   */
  private async ensureResource(uri: string, name: string, scopes: string[]): Promise<void> {
    try {
      await this.resources.create({ uri, name, scopes }, SEED_ACTOR);
      this.logger.log(`seeded demo resource "${uri}"`);
    } catch (error) {
      if (!(error instanceof RegistrationError && error.reason === 'conflict')) throw error;
      const existing = (await this.resources.show(uri)).scopes;
      const missing = scopes.filter((scope) => !existing.includes(scope));
      if (missing.length) await this.resources.update(uri, { scopes: [...existing, ...missing] }, SEED_ACTOR);
    }
  }

  /** The same for a demo client seeded before its grant at `resource` gained a scope (its defaults gain it too). */
  private async addMissingGrantedScopes(clientId: string, resource: string, scopes: string[]): Promise<void> {
    const existing = (await this.views.show(clientId)).grants.find((grant) => grant.resource === resource && grant.kind === 'direct');
    const missing = scopes.filter((scope) => !existing?.scopes.includes(scope));
    if (!missing.length) return;
    await this.grants.grant(
      clientId,
      { resource, scopes: [...(existing?.scopes ?? []), ...missing], defaultScopes: [...(existing?.default_scopes ?? []), ...missing] },
      SEED_ACTOR,
    );
  }

  /** A delegation grant at `resource`, unless the client has one there (an operator may have changed it). */
  private async ensureDelegationGrant(clientId: string, resource: string, scopes: string[]): Promise<void> {
    const grants = (await this.views.show(clientId)).grants;
    if (grants.some((grant) => grant.resource === resource && grant.kind === 'delegation')) return;
    await this.grants.grant(clientId, { resource, scopes, kind: 'delegation' }, SEED_ACTOR);
  }

  /** The secretless demo's workload issuer, trusted once (an operator's later changes to it are kept). */
  private async ensureTrustedIssuer(issuer: string): Promise<void> {
    try {
      await this.trustedIssuers.create({ issuer, kind: 'kubernetes' }, SEED_ACTOR);
      this.logger.log(`seeded trusted workload issuer "${issuer}"`);
    } catch (error) {
      if (!(error instanceof RegistrationError && error.reason === 'conflict')) throw error;
    }
  }

  private async ensureClient(input: CreateClientInput): Promise<void> {
    if (await this.dataSource.getRepository(ClientEntity).exists({ where: { clientId: input.clientId } })) return;
    try {
      await this.clients.create(input, SEED_ACTOR);
      this.logger.log(`seeded demo client "${input.clientId}"`);
    } catch (error) {
      // A replica starting at the same moment seeded it first.
      if (!(error instanceof ClientRegistrationError && error.reason === 'conflict')) throw error;
    }
  }
}
