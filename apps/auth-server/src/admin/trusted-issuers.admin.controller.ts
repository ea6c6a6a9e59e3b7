import { Body, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiParam } from '@app/platform';
import type { AuditActor } from '../audit/audit-log';
import { createTrustedIssuerInput, CreateTrustedIssuerDto } from '../trusted-issuers/trusted-issuer.dtos';
import { TrustedIssuersService, TrustedIssuerSummary } from '../trusted-issuers/trusted-issuers.service';
import { AdminActor } from './admin-actor';
import { AdminController, AdminOperation } from './admin-docs';
import { AdminPathId } from './admin-params';

const ApiIssuerParam = () => ApiParam({ name: 'issuer', description: 'the issuer URL, URL-encoded (https%3A%2F%2Fkubernetes.default.svc)' });

/** Trusted workload issuers over HTTP (federated_jwt clients, issue 30): what `npm run cli -- trusted-issuers …` does. */
@AdminController('admin/trusted-issuers', 'trusted-issuers')
export class TrustedIssuersAdminController {
  constructor(private readonly issuers: TrustedIssuersService) {}

  @Get()
  @AdminOperation({ summary: 'List trusted workload issuers', ok: { status: 200, description: 'every trusted issuer', type: TrustedIssuerSummary, isArray: true }, refusals: [] })
  list(): Promise<TrustedIssuerSummary[]> {
    return this.issuers.list();
  }

  @Post()
  @AdminOperation({
    summary: 'Trust a workload identity issuer (Kubernetes, SPIFFE, OIDC)',
    description: 'federated_jwt clients bound to it authenticate with the tokens it issues to their workloads.',
    ok: { status: 201, description: 'the trusted issuer', type: TrustedIssuerSummary },
    refusals: [400, 409],
  })
  create(@Body() body: CreateTrustedIssuerDto, @AdminActor() actor: AuditActor): Promise<TrustedIssuerSummary> {
    return this.issuers.create(createTrustedIssuerInput(body), actor);
  }

  @Get(':issuer')
  @ApiIssuerParam()
  @AdminOperation({ summary: 'Show a trusted issuer', ok: { status: 200, description: 'the trusted issuer', type: TrustedIssuerSummary }, refusals: [404] })
  show(@AdminPathId('issuer') issuer: string): Promise<TrustedIssuerSummary> {
    return this.issuers.show(issuer);
  }

  @Delete(':issuer')
  @HttpCode(204)
  @ApiIssuerParam()
  @AdminOperation({
    summary: 'Stop trusting an issuer',
    description: 'Refused (409) while federated_jwt clients are bound to it.',
    ok: { status: 204, description: 'deleted' },
    refusals: [404, 409],
  })
  async delete(@AdminPathId('issuer') issuer: string, @AdminActor() actor: AuditActor): Promise<void> {
    await this.issuers.delete(issuer, actor);
  }
}
