import { isStorableText } from '@app/database';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ApiProperty, ApiPropertyOptional } from '@app/platform';
import { InjectDataSource } from '@nestjs/typeorm';
import type { JSONWebKeySet, JWK } from 'jose';
import { DataSource } from 'typeorm';
import { AuditActor, AuditLog } from '../audit/audit-log';
import { RegistrationError } from '../audit/registration-error';
import { publicKeysOf } from '../clients/client-keys';
import { ClientEntity } from '../clients/client.entity';
import { authServerConfig } from '../config/auth-server.config';
import {
  DEFAULT_MAX_ASSERTION_LIFETIME_SECONDS,
  KUBERNETES_BINDINGS,
  KubernetesBinding,
  MAX_TRUSTABLE_LIFETIME_SECONDS,
  TRUSTED_ISSUER_KINDS,
  TrustedIssuerEntity,
  TrustedIssuerKind,
} from './trusted-issuer.entity';
import { TrustedIssuerRegistry } from './trusted-issuer.registry';

const MAX_URL_LENGTH = 2048;
/** A Kubernetes namespace name (RFC 1123 label). */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** JWK members that are private or symmetric key material: a trusted issuer is given public keys only. */
const SECRET_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export interface CreateTrustedIssuerInput {
  issuer: string;
  kind: TrustedIssuerKind;
  jwksUri?: string;
  jwks?: Record<string, unknown>;
  audience?: string;
  maxAssertionLifetimeSeconds?: number;
  boundNamespaces?: string[];
  requiredBindings?: KubernetesBinding[];
}

/** A trusted issuer as the CLI, the admin API and the audit log show it (public keys only). */
export class TrustedIssuerSummary {
  @ApiProperty({ description: 'the exact `iss` of its tokens' })
  issuer!: string;

  @ApiProperty({ enum: TRUSTED_ISSUER_KINDS })
  kind!: TrustedIssuerKind;

  @ApiProperty({ description: 'where its keys come from: discovery (its OIDC metadata), jwks_uri, or jwks (inline)', enum: ['discovery', 'jwks_uri', 'jwks'] })
  key_source!: 'discovery' | 'jwks_uri' | 'jwks';

  @ApiPropertyOptional()
  jwks_uri?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  jwks?: { keys: JWK[] };

  @ApiProperty({ description: 'the aud its tokens must contain' })
  audience!: string;

  @ApiProperty()
  max_assertion_lifetime_seconds!: number;

  @ApiProperty({ type: [String] })
  bound_namespaces!: string[];

  @ApiProperty({ type: [String], enum: KUBERNETES_BINDINGS })
  required_bindings!: string[];

  @ApiProperty({ type: [String], description: 'the federated_jwt clients bound to it' })
  clients!: string[];

  @ApiProperty({ format: 'date-time' })
  created_at!: string;
}

/**
 * The operator's side of trusted workload issuers (CLI, admin API): validated here, audited like
 * clients (`trusted-issuer.create`, `trusted-issuer.delete`), and dropped from the hot path's cache at
 * once in this process (other replicas within CLIENT_CACHE_TTL_MS, as for clients).
 */
@Injectable()
export class TrustedIssuersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly registry: TrustedIssuerRegistry,
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
  ) {}

  async create(input: CreateTrustedIssuerInput, actor: AuditActor): Promise<TrustedIssuerSummary> {
    const row = this.validated(input);
    const result = await this.dataSource.getRepository(TrustedIssuerEntity).createQueryBuilder().insert().values(row).orIgnore().returning('*').execute();
    if (!(result.raw as unknown[]).length) throw new RegistrationError(`trusted issuer "${input.issuer}" already exists`, 'conflict');
    this.registry.invalidate(input.issuer);
    const created = await this.show(input.issuer);
    const { clients: _none, created_at: _at, ...changes } = created;
    this.audit.record({ action: 'trusted-issuer.create', target: { type: 'trusted-issuer', id: input.issuer }, actor, changes });
    return created;
  }

  async list(): Promise<TrustedIssuerSummary[]> {
    const issuers = await this.dataSource.getRepository(TrustedIssuerEntity).find({ order: { issuer: 'ASC' } });
    const bound = await this.boundClients();
    return issuers.map((issuer) => this.summary(issuer, bound.get(issuer.issuer) ?? []));
  }

  async show(issuer: string): Promise<TrustedIssuerSummary> {
    const found = isStorableText(issuer) ? await this.dataSource.getRepository(TrustedIssuerEntity).findOne({ where: { issuer } }) : null;
    if (!found) throw new RegistrationError(`no trusted issuer "${issuer}"`, 'not_found');
    return this.summary(found, (await this.boundClients(issuer)).get(issuer) ?? []);
  }

  /** Refused while clients are bound to it: they would be locked out without a word (delete or rebind them first). */
  async delete(issuer: string, actor: AuditActor): Promise<void> {
    if (!isStorableText(issuer)) throw new RegistrationError(`no trusted issuer "${issuer}"`, 'not_found');
    await this.dataSource.transaction(async (manager) => {
      const found = await manager.findOne(TrustedIssuerEntity, { where: { issuer }, lock: { mode: 'pessimistic_write' } });
      if (!found) throw new RegistrationError(`no trusted issuer "${issuer}"`, 'not_found');
      const clients = await manager.find(ClientEntity, { where: { federatedIssuer: issuer }, select: { clientId: true }, order: { clientId: 'ASC' } });
      if (clients.length) {
        throw new RegistrationError(`trusted issuer "${issuer}" still authenticates clients: ${clients.map((client) => client.clientId).join(', ')}`, 'conflict');
      }
      await manager.delete(TrustedIssuerEntity, { issuer });
    });
    this.registry.invalidate(issuer);
    this.audit.record({ action: 'trusted-issuer.delete', target: { type: 'trusted-issuer', id: issuer }, actor });
  }

  private validated(input: CreateTrustedIssuerInput): Partial<TrustedIssuerEntity> {
    const { production } = this.config;
    const urlProblem = (url: string) => {
      if (typeof url !== 'string' || url.length > MAX_URL_LENGTH || !isStorableText(url)) return 'must be a URL';
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return 'must be a URL';
      }
      if (parsed.protocol !== 'https:' && (production || parsed.protocol !== 'http:')) return production ? 'must be https in production' : 'must be an http(s) URL';
      if (parsed.hash || parsed.username || parsed.password) return 'must have no fragment and no credentials';
      return undefined;
    };
    const issuerProblem = urlProblem(input.issuer);
    if (issuerProblem) throw new RegistrationError(`issuer ${issuerProblem}`);
    // Compared byte for byte with `iss`: a trailing slash would make every token fail.
    if (input.issuer.endsWith('/') && new URL(input.issuer).pathname !== '/') throw new RegistrationError('issuer must not end with a slash');
    if (!TRUSTED_ISSUER_KINDS.includes(input.kind)) throw new RegistrationError(`kind must be one of ${TRUSTED_ISSUER_KINDS.join(', ')}`);
    if (input.jwksUri !== undefined && input.jwks !== undefined) throw new RegistrationError('give at most one of jwks_uri and jwks (neither: discovered)');
    if (input.jwksUri !== undefined) {
      const problem = urlProblem(input.jwksUri);
      if (problem) throw new RegistrationError(`jwks_uri ${problem}`);
    }
    let jwks: JSONWebKeySet | null = null;
    if (input.jwks !== undefined) {
      const keys = (input.jwks as { keys?: unknown }).keys;
      if (!Array.isArray(keys) || !keys.length || !keys.every((key) => typeof key === 'object' && key !== null && typeof (key as JWK).kty === 'string')) {
        throw new RegistrationError('jwks must be a JWKS with at least one key');
      }
      if (keys.some((key) => SECRET_MEMBERS.some((member) => member in (key as object)))) {
        throw new RegistrationError('jwks holds private or symmetric key material: give the public keys only');
      }
      // What the key store can use (libs/auth's JwksKeyStore): a key is found by its kid, and is EC or RSA.
      if (!keys.every((key) => typeof (key as JWK).kid === 'string' && ['EC', 'RSA'].includes((key as JWK).kty!))) {
        throw new RegistrationError('jwks: every key needs a kid and kty EC or RSA');
      }
      jwks = input.jwks as unknown as JSONWebKeySet;
    }
    if (input.audience !== undefined && (!input.audience || /\s/.test(input.audience) || input.audience.length > MAX_URL_LENGTH || !isStorableText(input.audience))) {
      throw new RegistrationError('audience must be a non-empty string without spaces');
    }
    const lifetime = input.maxAssertionLifetimeSeconds ?? DEFAULT_MAX_ASSERTION_LIFETIME_SECONDS;
    if (!Number.isSafeInteger(lifetime) || lifetime < 1 || lifetime > MAX_TRUSTABLE_LIFETIME_SECONDS) {
      throw new RegistrationError(`max_assertion_lifetime_seconds must be 1-${MAX_TRUSTABLE_LIFETIME_SECONDS}`);
    }
    const boundNamespaces = [...new Set(input.boundNamespaces ?? [])];
    const requiredBindings = [...new Set(input.requiredBindings ?? [])];
    if ((boundNamespaces.length || requiredBindings.length) && input.kind !== 'kubernetes') {
      throw new RegistrationError('bound_namespaces and required_bindings apply to kubernetes issuers only');
    }
    const badNamespace = boundNamespaces.find((namespace) => !NAMESPACE.test(namespace));
    if (badNamespace !== undefined) throw new RegistrationError(`bound_namespaces: "${badNamespace}" is not a Kubernetes namespace name`);
    const badBinding = requiredBindings.find((binding) => !KUBERNETES_BINDINGS.includes(binding));
    if (badBinding !== undefined) throw new RegistrationError(`required_bindings must be among ${KUBERNETES_BINDINGS.join(', ')}`);
    return {
      issuer: input.issuer,
      kind: input.kind,
      jwksUri: input.jwksUri ?? null,
      jwks,
      audience: input.audience ?? null,
      maxAssertionLifetimeSeconds: lifetime,
      boundNamespaces,
      requiredBindings,
    };
  }

  private async boundClients(issuer?: string): Promise<Map<string, string[]>> {
    const rows = await this.dataSource.getRepository(ClientEntity).find({
      where: issuer ? { federatedIssuer: issuer } : {},
      select: { clientId: true, federatedIssuer: true },
      order: { clientId: 'ASC' },
    });
    const bound = new Map<string, string[]>();
    for (const row of rows) if (row.federatedIssuer) bound.set(row.federatedIssuer, [...(bound.get(row.federatedIssuer) ?? []), row.clientId]);
    return bound;
  }

  private summary(issuer: TrustedIssuerEntity, clients: string[]): TrustedIssuerSummary {
    return {
      issuer: issuer.issuer,
      kind: issuer.kind,
      key_source: issuer.jwks ? 'jwks' : issuer.jwksUri ? 'jwks_uri' : 'discovery',
      ...(issuer.jwksUri ? { jwks_uri: issuer.jwksUri } : {}),
      ...(issuer.jwks ? { jwks: publicKeysOf(issuer.jwks) } : {}),
      audience: issuer.audience ?? this.config.issuer,
      max_assertion_lifetime_seconds: issuer.maxAssertionLifetimeSeconds,
      bound_namespaces: issuer.boundNamespaces,
      required_bindings: issuer.requiredBindings,
      clients,
      created_at: issuer.createdAt.toISOString(),
    };
  }
}
