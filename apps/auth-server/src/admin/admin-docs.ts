import { AnyScope, ServiceOnly } from '@nest-oauth-m2m/auth';
import { applyDecorators, Controller, Type, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags, SchemaObject } from '@app/platform';
import { AdminCallerGuard } from './admin-caller.guard';
import { AdminArea, scopesFor } from './admin-scope';
import { AdminValidationPipe } from './admin-validation.pipe';
import { RegistrationErrorFilter } from './registration-error.filter';

/**
 * An admin API controller for one area: client_credentials tokens with its scope (`admin:clients`, …)
 * or `admin` only (the guards and the OpenAPI document read these same decorators) of a client the
 * registry still allows (AdminCallerGuard), bodies validated against their DTO (AdminValidationPipe),
 * registry refusals answered 400 / 404 / 409.
 */
export function AdminController(path: string, area: AdminArea): ClassDecorator {
  return applyDecorators(
    Controller(path),
    ApiTags('admin'),
    ServiceOnly(),
    AnyScope(...scopesFor(area)),
    UseGuards(AdminCallerGuard),
    UsePipes(AdminValidationPipe),
    UseFilters(RegistrationErrorFilter),
  );
}

export const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string', enum: ['invalid_request', 'not_found', 'conflict'] }, error_description: { type: 'string' } },
};

/**
 * One admin operation's documentation: what it does, its answer and its refusals. Its JSON body is
 * documented from the DTO its @Body() parameter declares (Nest's OpenAPI explorer reads it).
 */
export function AdminOperation(options: {
  summary: string;
  description?: string;
  /** The answer: its class (generated schema; isArray for a list), or a schema for what has none. */
  ok: { status: number; description: string; type?: Type; isArray?: boolean; schema?: SchemaObject };
  refusals: (400 | 404 | 409)[];
}): MethodDecorator {
  const refusal = { 400: 'invalid_request: a malformed body or a value the registry refuses', 404: 'not_found', 409: 'conflict: it exists already' };
  return applyDecorators(
    ApiOperation({ summary: options.summary, description: options.description }),
    ApiResponse({ status: options.ok.status, description: options.ok.description, type: options.ok.type, isArray: options.ok.isArray, schema: options.ok.schema }),
    ...options.refusals.map((status) => ApiResponse({ status, description: refusal[status], schema: ERROR_SCHEMA })),
  );
}

export const ApiClientIdParam = () => ApiParam({ name: 'clientId', description: 'the client id' });
