import { InvalidRequest } from '@nest-oauth-m2m/auth';
import type { FastifyRequest } from 'fastify';

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
const PARSED = Symbol('formParams');

/** The form body of an OAuth endpoint request: single-valued parameters only (RFC 6749 §3.1). */
export class FormParams {
  private constructor(private readonly values: Record<string, string>) {}

  /** Reads and checks the body once per request; later calls get the same object. */
  static of(request: FastifyRequest): FormParams {
    const cached = (request as unknown as { [PARSED]?: FormParams })[PARSED];
    if (cached) return cached;
    // A GET carries no body (the revocation feed, authenticated with HTTP Basic): no parameters.
    if (request.method === 'GET' && request.headers['content-type'] === undefined) return new FormParams(Object.create(null));
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== FORM_CONTENT_TYPE) {
      throw new InvalidRequest(`the request body must be ${FORM_CONTENT_TYPE}`);
    }
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values: Record<string, string> = Object.create(null);
    for (const [name, value] of Object.entries(body)) {
      if (Array.isArray(value)) throw new InvalidRequest(`parameter "${name}" is repeated`);
      // An empty value counts as absent (RFC 6749 §3.1).
      if (typeof value === 'string' && value !== '') values[name] = value;
    }
    const params = new FormParams(values);
    (request as unknown as { [PARSED]?: FormParams })[PARSED] = params;
    return params;
  }

  get(name: string): string | undefined {
    return this.values[name];
  }

  require(name: string): string {
    const value = this.values[name];
    if (value === undefined) throw new InvalidRequest(`missing required parameter "${name}"`);
    return value;
  }

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }
}
