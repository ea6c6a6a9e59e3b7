import { InvalidClient, InvalidRequest } from '@nest-oauth-m2m/auth';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  errors as joseErrors,
  JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { ClientRegistry } from '../../clients/client-registry';
import type { ClientEntity } from '../../clients/client.entity';
import { authServerConfig } from '../../config/auth-server.config';
import type { FormParams } from '../../http/form-params';
import type { AuthenticatedClient } from '../authenticated-client';
import type { ClientAuthenticator, PresentedCredential } from '../client-authenticator';
import { assertionMethod } from '../client-assertion-kind';
import { clientJwksFetch } from '../client-jwks-fetch';
import { acceptClient } from '../client-secret.verifier';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA'];
const MAX_ASSERTION_LENGTH = 8_192;
/** An assertion may not be valid for longer than this (bounds the replay table). */
const MAX_ASSERTION_LIFETIME_SECONDS = 3_600;
const CLOCK_TOLERANCE_SECONDS = 30;

/** The client_id sent beside the assertion, if any (the assertion itself names the client). */
interface AssertionCredential extends PresentedCredential {
  readonly clientId: string | undefined;
}

/**
 * private_key_jwt (RFC 7523 §2.2): `client_assertion`, a JWT the client signed with a key it
 * registered (`jwks`) or publishes (`jwks_uri`), used once.
 */
@Injectable()
export class PrivateKeyJwtAuthenticator implements ClientAuthenticator<AssertionCredential> {
  readonly method = 'private_key_jwt';
  private readonly logger = new Logger(PrivateKeyJwtAuthenticator.name);
  private readonly keySets = new Map<string, JWTVerifyGetKey>();
  private readonly assertionAudiences: string[];
  private readonly fetchClientJwks: ReturnType<typeof clientJwksFetch>;

  constructor(
    private readonly registry: ClientRegistry,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(authServerConfig.KEY) config: ConfigType<typeof authServerConfig>,
  ) {
    this.assertionAudiences = [config.issuer, `${config.issuer}/oauth/token`];
    this.fetchClientJwks = clientJwksFetch({ production: config.production, allowPrivateNetworks: config.clientJwksAllowPrivateNetworks });
  }

  detect(_request: FastifyRequest, form: FormParams): AssertionCredential | undefined {
    // An assertion signed by a trusted issuer rather than the client is federated_jwt's.
    return assertionMethod(form) === 'private_key_jwt' ? { clientId: form.get('client_id') } : undefined;
  }

  async authenticate(credential: AssertionCredential, form: FormParams): Promise<AuthenticatedClient> {
    if (form.require('client_assertion_type') !== CLIENT_ASSERTION_TYPE) {
      throw new InvalidRequest(`client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
    }
    return this.verifyAssertion(form.require('client_assertion'), credential.clientId);
  }

  private async verifyAssertion(assertion: string, clientIdParam: string | undefined): Promise<AuthenticatedClient> {
    if (assertion.length > MAX_ASSERTION_LENGTH) throw new InvalidClient('client assertion too large');
    let clientId: string;
    let audience: unknown;
    try {
      const claims = decodeJwt(assertion);
      if (typeof claims.sub !== 'string' || claims.iss !== claims.sub) throw new Error('iss/sub');
      clientId = claims.sub;
      audience = claims.aud;
    } catch {
      throw new InvalidClient('client assertion is not a valid JWT with iss = sub = client_id');
    }
    // draft-ietf-oauth-rfc7523bis (audience injection): an assertion names this server alone. A
    // multi-valued `aud` could have been minted for another server that lists us too, so an array is
    // refused outright (FAPI 2.0 §5.3.2.1 asks for a string as well); jwtVerify checks the value.
    if (typeof audience !== 'string') throw new InvalidClient('client assertion aud must be a single string');
    if (clientIdParam !== undefined && clientIdParam !== clientId) {
      throw new InvalidClient('client_id does not match the client assertion');
    }
    const registered = await this.registry.find(clientId);
    if (!registered || registered.client.authMethod !== 'private_key_jwt') {
      throw new InvalidClient('client authentication failed');
    }
    const { client } = registered;
    let exp: number;
    let jti: string;
    try {
      const { payload } = await jwtVerify(assertion, this.keySetFor(client), {
        issuer: clientId,
        subject: clientId,
        // The issuer identifier, or the token endpoint URL that RFC 7523 §3 suggested (rfc7523bis keeps
        // it for compatibility), at every endpoint; never a URL derived from the Host header.
        audience: this.assertionAudiences,
        algorithms: ASSERTION_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'jti'],
      });
      exp = payload.exp!;
      jti = String(payload.jti);
    } catch (error) {
      const claimProblem = describeClaimError(error);
      if (claimProblem) throw new InvalidClient(`client assertion rejected: ${claimProblem}`);
      // No key, a bad signature, or a jwks_uri that failed (refused, unreachable, not a JWKS, too slow,
      // too large): one answer, so the endpoint tells an unauthenticated caller nothing about what the
      // URL reaches (issue 24 item 4). The detail is for the operator.
      this.logger.warn(`client ${clientId}: assertion not verified (${client.jwksUri ? 'jwks_uri' : 'registered jwks'}): ${(error as Error).message}`);
      throw new InvalidClient('client authentication failed');
    }
    if (exp - Date.now() / 1000 > MAX_ASSERTION_LIFETIME_SECONDS) {
      throw new InvalidClient(`client assertion must expire within ${MAX_ASSERTION_LIFETIME_SECONDS} s`);
    }
    await this.rememberAssertion(clientId, jti, exp);
    return acceptClient(registered, 'private_key_jwt');
  }

  /** Each client may use a `jti` once until the assertion expires (RFC 7523 §3, item 7). */
  private async rememberAssertion(clientId: string, jti: string, exp: number): Promise<void> {
    const inserted: unknown[] = await this.dataSource.query(
      `INSERT INTO used_client_assertions (client_id, jti, expires_at)
       VALUES ($1, $2, to_timestamp($3)) ON CONFLICT DO NOTHING RETURNING jti`,
      [clientId, jti, exp + CLOCK_TOLERANCE_SECONDS],
    );
    if (inserted.length === 0) throw new InvalidClient('client assertion jti has already been used');
    // Housekeeping on the side; occasional is enough.
    if (Math.random() < 0.01) {
      await this.dataSource.query('DELETE FROM used_client_assertions WHERE expires_at < now()');
    }
  }

  private keySetFor(client: ClientEntity): JWTVerifyGetKey {
    const cacheKey = client.jwksUri ?? `${client.clientId}@${client.updatedAt.getTime()}`;
    let keySet = this.keySets.get(cacheKey);
    if (!keySet) {
      keySet = client.jwksUri
        ? createRemoteJWKSet(new URL(client.jwksUri), { timeoutDuration: 2_000, cooldownDuration: 30_000, [customFetch]: this.fetchClientJwks })
        : createLocalJWKSet(client.jwks ?? { keys: [] });
      this.keySets.set(cacheKey, keySet);
    }
    return keySet;
  }
}

/**
 * What the client may be told about a refused assertion: its claims (checked only once the signature
 * verified, so they reveal nothing about the keys or the jwks_uri) and a disallowed algorithm (checked
 * before any key is looked up). undefined for everything else.
 */
function describeClaimError(error: unknown): string | undefined {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim "${error.claim}" ${error.reason}`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  return undefined;
}
