import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiResponse, ApiSecurity, SchemaObject } from '@app/platform';

/** Name of the HTTP Basic scheme (client_secret_basic) in the auth-server's OpenAPI document. */
export const CLIENT_BASIC_SCHEME = 'client_secret_basic';

type FieldSchema = { type: 'string'; description: string; enum?: string[] };

const CLIENT_AUTH_FIELDS: Record<string, FieldSchema> = {
  client_id: { type: 'string', description: 'client_secret_post, private_key_jwt and public clients: the client id; federated_jwt: required (the workload token names the workload, not the client).' },
  client_secret: { type: 'string', description: 'client_secret_post only (prefer HTTP Basic).' },
  client_assertion_type: {
    type: 'string',
    enum: ['urn:ietf:params:oauth:client-assertion-type:jwt-bearer', 'urn:ietf:params:oauth:client-assertion-type:jwt-spiffe'],
    description: 'private_key_jwt and federated_jwt (RFC 7523); jwt-spiffe: a JWT-SVID (draft-ietf-oauth-spiffe-client-auth), federated_jwt only.',
  },
  client_assertion: {
    type: 'string',
    description:
      'private_key_jwt: a JWT signed with the client key; aud is one string, the issuer (preferred) or the token endpoint URL. ' +
      'federated_jwt: the workload token of a trusted issuer (Kubernetes service-account token, SPIFFE JWT-SVID), aud containing this issuer.',
  },
};

export const OAUTH_ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'string',
      enum: ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'],
    },
    error_description: { type: 'string' },
  },
};

/** The OpenAPI description of a client-authenticated form endpoint: its own fields (the client authentication ones are added). */
export interface ClientAuthenticatedFormDocs {
  summary: string;
  description: string;
  fields: Record<string, FieldSchema>;
  required: string[];
  ok: { description: string; schema?: SchemaObject };
}

/**
 * An endpoint taking an application/x-www-form-urlencoded body from an authenticated client
 * (ClientAuthenticationGuard): HTTP Basic, or credentials/assertion in the body (the empty requirement).
 */
export function ApiClientAuthenticatedForm(options: ClientAuthenticatedFormDocs): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: options.summary,
      description: `${options.description}\n\nClient authentication: HTTP Basic (client_secret_basic), or client_secret_post / private_key_jwt / federated_jwt fields in the body.`,
    }),
    ApiSecurity(CLIENT_BASIC_SCHEME),
    ApiSecurity({}),
    ApiConsumes('application/x-www-form-urlencoded'),
    ApiProduces('application/json'),
    ApiBody({
      schema: { type: 'object', required: options.required, properties: { ...options.fields, ...CLIENT_AUTH_FIELDS } },
    }),
    ApiResponse({ status: 200, description: options.ok.description, schema: options.ok.schema }),
    ApiResponse({ status: 400, description: 'invalid_request, invalid_grant, invalid_scope, unsupported_grant_type…', schema: OAUTH_ERROR_SCHEMA }),
    ApiResponse({
      status: 401,
      description: 'invalid_client: authentication failed (WWW-Authenticate: Basic when Basic was used)',
      schema: OAUTH_ERROR_SCHEMA,
    }),
  );
}
