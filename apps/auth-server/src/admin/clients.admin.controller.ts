import { InvalidRequest } from '@nest-oauth-m2m/auth';
import { Body, Delete, Get, Header, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiParam, ApiQuery } from '@app/platform';
import { GRANT_KINDS, GrantKind } from '../clients/client-grant.entity';
import type { AuditActor } from '../audit/audit-log';
import { ClientGrantDto, clientPatch, createClientInput, CreateClientDto, grantInput, RotateSecretDto, UpdateClientDto } from '../clients/client.dtos';
import { ClientGrantsService, ClientGrantView } from '../clients/client-grants.service';
import { ClientLifecycleService } from '../clients/client-lifecycle.service';
import { ClientSecretsService, IssuedSecret } from '../clients/client-secrets.service';
import { ClientGrantSummary, ClientSummary, ClientViews, CreatedClientSummary, IssuedSecretSummary } from '../clients/client-views';
import { AdminActor } from './admin-actor';
import { AdminPathId, SecretIdParam } from './admin-params';
import { AdminController, AdminOperation, ApiClientIdParam } from './admin-docs';

/** `?kind=`: absent means direct; anything but a grant kind is the caller's mistake. */
function grantKindParam(kind: unknown): GrantKind {
  if (kind === undefined) return 'direct';
  if (typeof kind === 'string' && (GRANT_KINDS as readonly string[]).includes(kind)) return kind as GrantKind;
  throw new InvalidRequest(`kind must be one of ${GRANT_KINDS.join(', ')}`);
}

/** A newly issued secret as JSON: the only time it is shown. */
function issuedSecretJson(issued: IssuedSecret) {
  return { client_id: issued.clientId, secret_id: issued.secretId, client_secret: issued.secret, expires_at: issued.expiresAt?.toISOString() ?? null };
}

/** Clients over HTTP: what `npm run cli -- clients …` does, for automation. Bodies are the DTOs of clients/client.dtos.ts. */
@AdminController('admin/clients', 'clients')
export class ClientsAdminController {
  constructor(
    private readonly lifecycle: ClientLifecycleService,
    private readonly secrets: ClientSecretsService,
    private readonly grants: ClientGrantsService,
    private readonly views: ClientViews,
  ) {}

  @Get()
  @AdminOperation({ summary: 'List clients', ok: { status: 200, description: 'every client', type: ClientSummary, isArray: true }, refusals: [] })
  list(): Promise<ClientSummary[]> {
    return this.views.list();
  }

  @Post()
  @Header('Cache-Control', 'no-store')
  @AdminOperation({
    summary: 'Register a client',
    description: 'Confidential clients get a generated `client_secret` in the answer, shown this once (only its hash is stored).',
    ok: {
      status: 201,
      description: 'the client, with client_secret and secret_id for a confidential one',
      type: CreatedClientSummary,
    },
    refusals: [400, 409],
  })
  async create(@Body() body: CreateClientDto, @AdminActor() actor: AuditActor): Promise<CreatedClientSummary> {
    const { secret } = await this.lifecycle.create(createClientInput(body), actor);
    const client = await this.views.show(body.client_id);
    return secret ? { ...client, client_secret: secret.secret, secret_id: secret.secretId } : client;
  }

  @Get(':clientId')
  @ApiClientIdParam()
  @AdminOperation({ summary: 'Show a client', ok: { status: 200, description: 'the client', type: ClientSummary }, refusals: [404] })
  show(@AdminPathId('clientId') clientId: string): Promise<ClientSummary> {
    return this.views.show(clientId);
  }

  @Patch(':clientId')
  @ApiClientIdParam()
  @AdminOperation({
    summary: 'Change a client',
    description: 'Each list given replaces the current one; fields not given stay as they are. Grants change under /grants.',
    ok: { status: 200, description: 'the client as it is now', type: ClientSummary },
    refusals: [400, 404],
  })
  update(@AdminPathId('clientId') clientId: string, @Body() body: UpdateClientDto, @AdminActor() actor: AuditActor): Promise<ClientSummary> {
    return this.lifecycle.update(clientId, clientPatch(body), actor);
  }

  @Delete(':clientId')
  @HttpCode(204)
  @ApiClientIdParam()
  @AdminOperation({ summary: 'Delete a client', description: 'Its tokens stop working.', ok: { status: 204, description: 'deleted' }, refusals: [404] })
  async delete(@AdminPathId('clientId') clientId: string, @AdminActor() actor: AuditActor): Promise<void> {
    await this.lifecycle.delete(clientId, actor);
  }

  @Get(':clientId/grants')
  @ApiClientIdParam()
  @AdminOperation({ summary: "List a client's grants", ok: { status: 200, description: 'what it may get at each resource', type: ClientGrantSummary, isArray: true }, refusals: [404] })
  listGrants(@AdminPathId('clientId') clientId: string): Promise<ClientGrantView[]> {
    return this.grants.list(clientId);
  }

  @Post(':clientId/grants')
  @HttpCode(200)
  @ApiClientIdParam()
  @AdminOperation({
    summary: 'Grant scopes at one resource',
    description:
      'Creates the grant, or replaces the one of that kind the client has at that resource. Each scope must be one the resource defines. ' +
      '`kind: delegation`: scopes it may get there on behalf of users, by token exchange (RFC 8693).',
    ok: { status: 200, description: 'the grant', type: ClientGrantSummary },
    refusals: [400, 404],
  })
  grant(@AdminPathId('clientId') clientId: string, @Body() body: ClientGrantDto, @AdminActor() actor: AuditActor): Promise<ClientGrantView> {
    return this.grants.grant(clientId, grantInput(body), actor);
  }

  @Delete(':clientId/grants/:resource')
  @HttpCode(204)
  @ApiClientIdParam()
  @ApiParam({ name: 'resource', description: 'the resource URI, URL-encoded (api%3A%2F%2Fuser-service)' })
  @ApiQuery({ name: 'kind', required: false, enum: GRANT_KINDS, description: 'which grant there (default: direct)' })
  @AdminOperation({ summary: 'Revoke the grant (of one kind) at one resource', ok: { status: 204, description: 'revoked' }, refusals: [400, 404] })
  async revokeGrant(
    @AdminPathId('clientId') clientId: string,
    @AdminPathId('resource') resource: string,
    @Query('kind') kind: unknown,
    @AdminActor() actor: AuditActor,
  ): Promise<void> {
    await this.grants.revoke(clientId, resource, actor, grantKindParam(kind));
  }

  @Post(':clientId/secrets')
  @Header('Cache-Control', 'no-store')
  @ApiClientIdParam()
  @AdminOperation({
    summary: 'Rotate: add a secret next to the current one',
    description: 'Both secrets work until the old one is revoked; at most two are active. The new secret is shown this once.',
    ok: { status: 201, description: 'the new secret', type: IssuedSecretSummary },
    refusals: [400, 404],
  })
  async rotateSecret(@AdminPathId('clientId') clientId: string, @Body() body: RotateSecretDto, @AdminActor() actor: AuditActor) {
    return issuedSecretJson(await this.secrets.rotate(clientId, { expiresInSeconds: body.expires_in }, actor));
  }

  @Delete(':clientId/secrets/:secretId')
  @HttpCode(204)
  @ApiClientIdParam()
  @AdminOperation({ summary: 'Revoke a secret', ok: { status: 204, description: 'revoked' }, refusals: [404] })
  async revokeSecret(@AdminPathId('clientId') clientId: string, @SecretIdParam() secretId: string, @AdminActor() actor: AuditActor): Promise<void> {
    await this.secrets.revoke(clientId, secretId, actor);
  }

  @Post(':clientId/disable')
  @HttpCode(204)
  @ApiClientIdParam()
  @AdminOperation({ summary: 'Disable a client', description: 'It gets no more tokens, and the ones it holds stop working.', ok: { status: 204, description: 'disabled' }, refusals: [404] })
  async disable(@AdminPathId('clientId') clientId: string, @AdminActor() actor: AuditActor): Promise<void> {
    await this.lifecycle.setEnabled(clientId, false, actor);
  }

  @Post(':clientId/enable')
  @HttpCode(204)
  @ApiClientIdParam()
  @AdminOperation({ summary: 'Enable a client', ok: { status: 204, description: 'enabled' }, refusals: [404] })
  async enable(@AdminPathId('clientId') clientId: string, @AdminActor() actor: AuditActor): Promise<void> {
    await this.lifecycle.setEnabled(clientId, true, actor);
  }
}
