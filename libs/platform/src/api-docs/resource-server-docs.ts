import { RESOURCE_SERVER_AUTH_OPTIONS, ResourceServerAuthOptions } from '@nest-oauth-m2m/auth';
import { INestApplication } from '@nestjs/common';
import { ApiDocsOptions } from './api-docs';

/** API docs for a resource server: every route guarded unless @Public(), tokens from the configured issuer. */
export function resourceServerDocs(title: string, description: string): ApiDocsOptions {
  return {
    title,
    description,
    guardedByDefault: true,
    issuer: (app: INestApplication) => app.get<ResourceServerAuthOptions>(RESOURCE_SERVER_AUTH_OPTIONS).issuer,
  };
}
