import { InvalidClient, InvalidRequest } from '@nest-oauth-m2m/auth';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, JWTPayload, jwtVerify } from 'jose';
import { DataSource } from 'typeorm';
import { ClientRegistry } from '../../clients/client-registry';
import { authServerConfig } from '../../config/auth-server.config';
import type { FormParams } from '../../http/form-params';
import { TrustedIssuerEntity } from '../../trusted-issuers/trusted-issuer.entity';
import { TrustedIssuerRegistry } from '../../trusted-issuers/trusted-issuer.registry';
import type { AuthenticatedClient } from '../authenticated-client';
import { assertionMethod, JWT_BEARER_ASSERTION_TYPE, JWT_SPIFFE_ASSERTION_TYPE } from '../client-assertion-kind';
import type { ClientAuthenticator, PresentedCredential } from '../client-authenticator';
import { acceptClient } from '../client-secret.verifier';
import { ASSERTION_ALGORITHMS } from './private-key-jwt.authenticator';

const MAX_ASSERTION_LENGTH = 8_192;
/** exp, nbf and iat are checked with this much leeway: workload and server clocks drift a little. */
const CLOCK_TOLERANCE_SECONDS = 30;
/** The one answer to every refused federated assertion; the reason goes to the log. */
const REFUSED = 'client authentication failed';

interface FederatedCredential extends PresentedCredential {
  readonly clientId: string | undefined;
}

/** Why an assertion was refused: for the operator's log, never for the caller. */
class Refusal extends Error {}

/**
 * federated_jwt (issue 30): the client presents a token its platform issued to the workload, signed by
 * a trusted issuer (trusted-issuers/) rather than by the client: a Kubernetes projected
 * service-account token, or a SPIFFE JWT-SVID (draft-ietf-oauth-spiffe-client-auth §3.1, assertion
 * type jwt-spiffe or RFC 7523's jwt-bearer). `client_id` is required: the token's `sub` is the
 * workload's identity, not the client id. The client is bound to one issuer and one exact `sub`.
 *
 * Checks, every one answered with the same invalid_client text (the reason is logged as a security
 * event, without the token): an asymmetric algorithm (never `none` or HS*), the signature against the
 * issuer's current keys (TrustedIssuerRegistry: cached, an unknown kid refetches at a limited rate),
 * `iss` exactly the bound issuer, `sub` exactly the bound subject, `aud` containing the issuer's
 * expected audience (this server's issuer identifier by default), `exp`, `nbf` and `iat` with 30 s of
 * leeway, a lifetime exp − iat (or exp − nbf) within the issuer's maximum, for Kubernetes issuers the
 * `kubernetes.io` claims (agreeing with `sub`, in a bound namespace, carrying required bindings).
 *
 * Replay: a `jti`, where a SPIFFE or OIDC issuer sets one, is recorded until the token expires, like
 * private_key_jwt's. Kubernetes tokens are reused by design until the kubelet rewrites them (their
 * `jti`, set since Kubernetes 1.29, names the token, not one use of it): for them the bounded lifetime
 * is the defence (README, "Running without client secrets").
 */
@Injectable()
export class FederatedJwtAuthenticator implements ClientAuthenticator<FederatedCredential> {
  readonly method = 'federated_jwt';
  private readonly logger = new Logger('FederatedClientAuth');

  constructor(
    private readonly registry: ClientRegistry,
    private readonly issuers: TrustedIssuerRegistry,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
  ) {}

  detect(_request: FastifyRequest, form: FormParams): FederatedCredential | undefined {
    return assertionMethod(form) === 'federated_jwt' ? { clientId: form.get('client_id') } : undefined;
  }

  async authenticate(credential: FederatedCredential, form: FormParams): Promise<AuthenticatedClient> {
    const assertionType = form.require('client_assertion_type');
    if (assertionType !== JWT_BEARER_ASSERTION_TYPE && assertionType !== JWT_SPIFFE_ASSERTION_TYPE) {
      throw new InvalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE} or ${JWT_SPIFFE_ASSERTION_TYPE}`);
    }
    const assertion = form.require('client_assertion');
    if (credential.clientId === undefined) throw new InvalidRequest('client_id is required with a workload token (its sub is not the client id)');
    try {
      return await this.verify(credential.clientId, assertion, assertionType);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      // A security event: who tried, against which issuer, and why; never the token itself.
      this.logger.warn({ event: 'security', action: 'client-auth.federated.refused', client_id: credential.clientId.slice(0, 256), reason: error.message.slice(0, 300) });
      throw new InvalidClient(REFUSED);
    }
  }

  private async verify(clientId: string, assertion: string, assertionType: string): Promise<AuthenticatedClient> {
    if (assertion.length > MAX_ASSERTION_LENGTH) throw new Refusal('assertion too large');
    const registered = clientId.length <= 256 ? await this.registry.find(clientId) : null;
    if (!registered) throw new Refusal('unknown client');
    const { client } = registered;
    if (client.authMethod !== 'federated_jwt' || !client.federatedIssuer || !client.federatedSubject) {
      throw new Refusal(`client is registered for ${client.authMethod}, not federated_jwt`);
    }
    if (!client.enabled) throw new Refusal('client is disabled');
    let claimedIssuer: unknown;
    let alg: unknown;
    try {
      claimedIssuer = decodeJwt(assertion).iss;
      alg = decodeProtectedHeader(assertion).alg;
    } catch {
      throw new Refusal('assertion is not a JWT');
    }
    // Before any key is looked up: `none` and HMAC (a "secret" anyone holding the public key could forge) never pass.
    if (typeof alg !== 'string' || !ASSERTION_ALGORITHMS.includes(alg)) throw new Refusal(`algorithm ${quoted(alg)} not allowed`);
    if (claimedIssuer !== client.federatedIssuer) throw new Refusal(`iss ${quoted(claimedIssuer)} is not the client's issuer ${client.federatedIssuer}`);
    const issuer = await this.issuers.find(client.federatedIssuer);
    if (!issuer) throw new Refusal(`issuer ${client.federatedIssuer} is not trusted`);
    if (assertionType === JWT_SPIFFE_ASSERTION_TYPE && issuer.kind !== 'spiffe') throw new Refusal('a jwt-spiffe assertion from a non-SPIFFE issuer');

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(assertion, (header) => this.issuers.key(issuer, header.kid, header.alg), {
        issuer: issuer.issuer,
        subject: client.federatedSubject,
        audience: issuer.audience ?? this.config.issuer,
        algorithms: ASSERTION_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw new Refusal(describe(error));
    }
    this.checkLifetime(payload, issuer);
    if (issuer.kind === 'kubernetes') checkKubernetesClaims(payload, client.federatedSubject, issuer);
    // Kubernetes tokens are bearer tokens the kubelet hands out again and again until it rotates them
    // (at 80 % of their lifetime): since 1.29 they carry a `jti`, but one use per jti would refuse the
    // second token request of a pod within that window. Their bounded lifetime is the defence.
    if (payload.jti !== undefined && issuer.kind !== 'kubernetes') await this.rememberJti(clientId, String(payload.jti), payload.exp!);
    return acceptClient(registered, 'federated_jwt');
  }

  /** exp − iat (or exp − nbf, or exp − now without either) within the issuer's bound: a stolen token's worth. */
  private checkLifetime(payload: JWTPayload, issuer: TrustedIssuerEntity): void {
    const start = typeof payload.iat === 'number' ? payload.iat : typeof payload.nbf === 'number' ? payload.nbf : Date.now() / 1000;
    const lifetime = payload.exp! - start;
    if (lifetime > issuer.maxAssertionLifetimeSeconds) {
      throw new Refusal(`lifetime ${Math.round(lifetime)} s exceeds the issuer's ${issuer.maxAssertionLifetimeSeconds} s`);
    }
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + CLOCK_TOLERANCE_SECONDS) throw new Refusal('iat is in the future');
  }

  /** A `jti` once per client until the token expires (same table as private_key_jwt's). */
  private async rememberJti(clientId: string, jti: string, exp: number): Promise<void> {
    if (jti.length > 256) throw new Refusal('jti too long');
    const inserted: unknown[] = await this.dataSource.query(
      `INSERT INTO used_client_assertions (client_id, jti, expires_at)
       VALUES ($1, $2, to_timestamp($3)) ON CONFLICT DO NOTHING RETURNING jti`,
      [clientId, `federated:${jti}`, exp + CLOCK_TOLERANCE_SECONDS],
    );
    if (inserted.length === 0) throw new Refusal('jti already used (replay)');
  }
}

/**
 * A Kubernetes service-account token's `kubernetes.io` claim must agree with its `sub`, and satisfy the
 * issuer's bound namespaces and required bindings (a pod's projected token names its pod; a token
 * requested by hand with `kubectl create token` need not).
 */
function checkKubernetesClaims(payload: JWTPayload, subject: string, issuer: TrustedIssuerEntity): void {
  const claim = payload['kubernetes.io'] as { namespace?: unknown; serviceaccount?: { name?: unknown }; pod?: unknown; node?: unknown } | undefined;
  const [, , namespace, serviceAccount] = subject.split(':');
  if (claim !== undefined) {
    if (typeof claim !== 'object' || claim === null) throw new Refusal('kubernetes.io claim is not an object');
    if (claim.namespace !== namespace || claim.serviceaccount?.name !== serviceAccount) throw new Refusal('kubernetes.io claim disagrees with sub');
  }
  const needsClaim = issuer.boundNamespaces.length > 0 || issuer.requiredBindings.length > 0;
  if (needsClaim && claim === undefined) throw new Refusal('kubernetes.io claim missing');
  if (issuer.boundNamespaces.length && !issuer.boundNamespaces.includes(String(claim!.namespace))) {
    throw new Refusal(`namespace ${quoted(claim!.namespace)} is not bound`);
  }
  for (const binding of issuer.requiredBindings) {
    const bound = claim![binding] as { name?: unknown } | undefined;
    if (typeof bound?.name !== 'string') throw new Refusal(`token is not bound to a ${binding}`);
  }
}

/** A caller-chosen value in a log line: JSON-quoted and cut short (the log is no place for 8 kB of it). */
function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim "${error.claim}" ${error.reason}`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature does not verify with the issuer keys';
  return `not verified: ${(error as Error).message}`;
}
