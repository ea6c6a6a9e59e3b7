import { ObjectField, PositiveIntegerField, TextField, TextListField } from '../dto/dto-fields';
import { KUBERNETES_BINDINGS, TRUSTED_ISSUER_KINDS, TrustedIssuerKind } from './trusted-issuer.entity';
import type { CreateTrustedIssuerInput } from './trusted-issuers.service';

/** `trusted-issuers create`, POST /admin/trusted-issuers: declared once (see clients/client.dtos.ts). */
export class CreateTrustedIssuerDto {
  @TextField({
    required: true,
    description: 'the exact `iss` of its tokens (https://kubernetes.default.svc.cluster.local, https://spire.example.org)',
    example: 'https://kubernetes.default.svc.cluster.local',
    cli: { value: 'url' },
  })
  issuer!: string;

  @TextField({ required: true, description: 'kubernetes (service-account tokens), spiffe (JWT-SVIDs) or oidc', enum: TRUSTED_ISSUER_KINDS })
  kind!: TrustedIssuerKind;

  @TextField({ description: 'where its keys are fetched (default: discovered from <issuer>/.well-known/openid-configuration)', cli: { value: 'url' } })
  jwks_uri?: string;

  @ObjectField({
    description: 'its public keys inline, for an air-gapped cluster (never fetched)',
    cli: { flag: 'jwks-file', value: 'path', file: true, help: "a file holding the issuer's public JWKS (air-gapped: never fetched)" },
  })
  jwks?: Record<string, unknown>;

  @TextField({ description: "the aud its tokens must contain (default: this server's issuer identifier)", cli: { value: 'aud' } })
  audience?: string;

  @PositiveIntegerField({
    description: 'longest accepted token lifetime, exp − iat, in seconds (default 3600)',
    cli: { flag: 'max-assertion-lifetime', value: 'seconds', parse: Number },
  })
  max_assertion_lifetime_seconds?: number;

  @TextListField({ description: 'kubernetes: the namespaces its tokens may come from (default: any)', cli: { flag: 'bound-namespace', value: 'namespace', list: 'split' } })
  bound_namespaces?: string[];

  @TextListField({
    description: `kubernetes: bindings every token must carry (${KUBERNETES_BINDINGS.join(', ')}): a running pod's projected token, not one requested by hand`,
    items: KUBERNETES_BINDINGS,
    cli: { flag: 'require-binding', value: 'binding', list: 'split' },
  })
  required_bindings?: (typeof KUBERNETES_BINDINGS)[number][];
}

export function createTrustedIssuerInput(dto: CreateTrustedIssuerDto): CreateTrustedIssuerInput {
  return {
    issuer: dto.issuer,
    kind: dto.kind,
    jwksUri: dto.jwks_uri,
    jwks: dto.jwks,
    audience: dto.audience,
    maxAssertionLifetimeSeconds: dto.max_assertion_lifetime_seconds,
    boundNamespaces: dto.bound_namespaces,
    requiredBindings: dto.required_bindings,
  };
}
