import { Body, Delete, Get, Header, HttpCode, Patch, Post } from '@nestjs/common';
import type { JSONWebKeySet } from 'jose';
import type { AuditActor } from '../audit/audit-log';
import type { GrantType, TokenEndpointAuthMethod } from '../clients/client.entity';
import { ClientPatch, ClientsService, ClientSummary, IssuedSecret } from '../clients/clients.service';
import { AdminActor } from './admin-actor';
import { AdminBody } from './admin-body';
import { AdminPathId, SecretIdParam } from './admin-params';
import { AdminController, AdminOperation, ApiClientIdParam, CLIENT_FIELDS, CLIENT_SCHEMA, ISSUED_SECRET_SCHEMA } from './admin-docs';

const PATCH_FIELDS = ['name', 'scopes', 'default_scopes', 'audiences', 'owned_audiences', 'redirect_uris', 'grant_types'] as const;
const CREATE_FIELDS = ['client_id', ...PATCH_FIELDS, 'token_endpoint_auth_method', 'jwks', 'jwks_uri'] as const;

/** A newly issued secret as JSON: the only time it is shown. */
function issuedSecretJson(issued: IssuedSecret) {
  return { client_id: issued.clientId, secret_id: issued.secretId, client_secret: issued.secret, expires_at: issued.expiresAt?.toISOString() ?? null };
}

/** The patchable fields of a body, as ClientPatch (each given list replaces the current one). */
function clientPatchOf(body: AdminBody): ClientPatch {
  return {
    name: body.string('name'),
    scopes: body.stringList('scopes'),
    defaultScopes: body.stringList('default_scopes'),
    audiences: body.stringList('audiences'),
    ownedAudiences: body.stringList('owned_audiences'),
    redirectUris: body.stringList('redirect_uris'),
    grantTypes: body.stringList('grant_types') as GrantType[] | undefined,
  };
}

/** Clients over HTTP: what `npm run cli -- clients …` does, for automation. */
@AdminController('admin/clients', 'clients')
export class ClientsAdminController {
  constructor(private readonly clients: ClientsService) {}

  @Get()
  @AdminOperation({ summary: 'List clients', ok: { status: 200, description: 'every client', schema: { type: 'array', items: CLIENT_SCHEMA } }, refusals: [] })
  list(): Promise<ClientSummary[]> {
    return this.clients.list();
  }

  @Post()
  @Header('Cache-Control', 'no-store')
  @AdminOperation({
    summary: 'Register a client',
    description: 'Confidential clients get a generated `client_secret` in the answer, shown this once (only its hash is stored).',
    body: {
      type: 'object',
      required: ['client_id', 'scopes'],
      properties: {
        client_id: { type: 'string' },
        ...CLIENT_FIELDS,
        token_endpoint_auth_method: { type: 'string', enum: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] },
        jwks: { type: 'object', description: 'private_key_jwt: the public keys' },
        jwks_uri: { type: 'string', description: 'private_key_jwt: where its public keys are' },
      },
    },
    ok: {
      status: 201,
      description: 'the client, with client_secret and secret_id for a confidential one',
      schema: { allOf: [CLIENT_SCHEMA, { type: 'object', properties: { client_secret: { type: 'string' }, secret_id: { type: 'string' } } }] },
    },
    refusals: [400, 409],
  })
  async create(@Body() raw: unknown, @AdminActor() actor: AuditActor): Promise<ClientSummary & { client_secret?: string; secret_id?: string }> {
    const body = AdminBody.of(raw, CREATE_FIELDS);
    const clientId = body.requiredString('client_id');
    const { secret } = await this.clients.create(
      {
        ...clientPatchOf(body),
        clientId,
        scopes: body.requiredStringList('scopes'),
        authMethod: body.string('token_endpoint_auth_method') as TokenEndpointAuthMethod | undefined,
        jwks: body.object('jwks') as JSONWebKeySet | undefined,
        jwksUri: body.string('jwks_uri'),
      },
      actor,
    );
    const client = await this.clients.show(clientId);
    return secret ? { ...client, client_secret: secret.secret, secret_id: secret.secretId } : client;
  }

  @Get(':clientId')
  @ApiClientIdParam()
  @AdminOperation({ summary: 'Show a client', ok: { status: 200, description: 'the client', schema: CLIENT_SCHEMA }, refusals: [404] })
  show(@AdminPathId('clientId') clientId: string): Promise<ClientSummary> {
    return this.clients.show(clientId);
  }

  @Patch(':clientId')
  @ApiClientIdParam()
  @AdminOperation({
    summary: 'Change a client',
    description: 'Each list given replaces the current one; fields not given stay as they are.',
    body: { type: 'object', properties: CLIENT_FIELDS },
    ok: { status: 200, description: 'the client as it is now', schema: CLIENT_SCHEMA },
    refusals: [400, 404],
  })
  update(@AdminPathId('clientId') clientId: string, @Body() raw: unknown, @AdminActor() actor: AuditActor): Promise<ClientSummary> {
    return this.clients.update(clientId, clientPatchOf(AdminBody.of(raw, PATCH_FIELDS)), actor);
  }

  @Delete(':clientId')
  @HttpCode(204)
  @ApiClientIdParam()
  @AdminOperation({ summary: 'Delete a client', description: 'Its tokens stop working.', ok: { status: 204, description: 'deleted' }, refusals: [404] })
  async delete(@AdminPathId('clientId') clientId: string, @AdminActor() actor: AuditActor): Promise<void> {
    await this.clients.delete(clientId, actor);
  }

  @Post(':clientId/secrets')
  @Header('Cache-Control', 'no-store')
  @ApiClientIdParam()
  @AdminOperation({
    summary: 'Rotate: add a secret next to the current one',
    description: 'Both secrets work until the old one is revoked; at most two are active. The new secret is shown this once.',
    body: { type: 'object', properties: { expires_in: { type: 'integer', minimum: 1, description: 'seconds until the new secret expires (default: never)' } } },
    ok: { status: 201, description: 'the new secret', schema: ISSUED_SECRET_SCHEMA },
    refusals: [400, 404],
  })
  async rotateSecret(@AdminPathId('clientId') clientId: string, @Body() raw: unknown, @AdminActor() actor: AuditActor) {
    const body = AdminBody.of(raw, ['expires_in']);
    return issuedSecretJson(await this.clients.rotateSecret(clientId, { expiresInSeconds: body.positiveInteger('expires_in') }, actor));
  }

  @Delete(':clientId/secrets/:secretId')
  @HttpCode(204)
  @ApiClientIdParam()
  @AdminOperation({ summary: 'Revoke a secret', ok: { status: 204, description: 'revoked' }, refusals: [404] })
  async revokeSecret(@AdminPathId('clientId') clientId: string, @SecretIdParam() secretId: string, @AdminActor() actor: AuditActor): Promise<void> {
    await this.clients.revokeSecret(clientId, secretId, actor);
  }

  @Post(':clientId/disable')
  @HttpCode(204)
  @ApiClientIdParam()
  @AdminOperation({ summary: 'Disable a client', description: 'It gets no more tokens, and the ones it holds stop working.', ok: { status: 204, description: 'disabled' }, refusals: [404] })
  async disable(@AdminPathId('clientId') clientId: string, @AdminActor() actor: AuditActor): Promise<void> {
    await this.clients.setEnabled(clientId, false, actor);
  }

  @Post(':clientId/enable')
  @HttpCode(204)
  @ApiClientIdParam()
  @AdminOperation({ summary: 'Enable a client', ok: { status: 204, description: 'enabled' }, refusals: [404] })
  async enable(@AdminPathId('clientId') clientId: string, @AdminActor() actor: AuditActor): Promise<void> {
    await this.clients.setEnabled(clientId, true, actor);
  }
}
