import { Body, Get, Patch, Post } from '@nestjs/common';
import { ApiParam } from '@app/platform';
import type { AuditActor } from '../audit/audit-log';
import { CreateResourceDto, UpdateResourceDto } from '../resources/resource.dtos';
import { ResourcesService, ResourceSummary } from '../resources/resources.service';
import { AdminActor } from './admin-actor';
import { AdminPathId } from './admin-params';
import { AdminController, AdminOperation } from './admin-docs';

const ApiUriParam = () => ApiParam({ name: 'uri', description: 'the audience URI, URL-encoded (api%3A%2F%2Fbilling-service)' });

/** Resources (APIs: an audience and its scopes) over HTTP: what `npm run cli -- resources …` does. */
@AdminController('admin/resources', 'resources')
export class ResourcesAdminController {
  constructor(private readonly resources: ResourcesService) {}

  @Get()
  @AdminOperation({ summary: 'List resources', ok: { status: 200, description: 'every resource', type: ResourceSummary, isArray: true }, refusals: [] })
  list(): Promise<ResourceSummary[]> {
    return this.resources.list();
  }

  @Post()
  @AdminOperation({
    summary: 'Register a resource (an API)',
    ok: { status: 201, description: 'the resource', type: ResourceSummary },
    refusals: [400, 409],
  })
  create(@Body() body: CreateResourceDto, @AdminActor() actor: AuditActor): Promise<ResourceSummary> {
    return this.resources.create(body, actor);
  }

  @Get(':uri')
  @ApiUriParam()
  @AdminOperation({ summary: 'Show a resource', ok: { status: 200, description: 'the resource', type: ResourceSummary }, refusals: [404] })
  show(@AdminPathId('uri') uri: string): Promise<ResourceSummary> {
    return this.resources.show(uri);
  }

  @Patch(':uri')
  @ApiUriParam()
  @AdminOperation({
    summary: 'Change a resource',
    description: 'A scope list given replaces the current one.',
    ok: { status: 200, description: 'the resource as it is now', type: ResourceSummary },
    refusals: [400, 404],
  })
  update(@AdminPathId('uri') uri: string, @Body() body: UpdateResourceDto, @AdminActor() actor: AuditActor): Promise<ResourceSummary> {
    return this.resources.update(uri, body, actor);
  }
}
