import { InvalidRequest } from '@nest-oauth-m2m/auth';
import { isStorableText } from '@app/database';

/**
 * Reads an admin request's JSON body field by field: a wrong type, a missing required field or an
 * unknown field (a typo would otherwise be ignored silently) is 400 invalid_request naming the field.
 * What the values mean (scope syntax, URIs, auth methods) is the services' to check; a NUL character,
 * which PostgreSQL cannot store, is refused here, anywhere in the value.
 */
export class AdminBody {
  private constructor(private readonly fields: Record<string, unknown>) {}

  /** The body as an object that holds only `allowed` fields. */
  static of(body: unknown, allowed: readonly string[]): AdminBody {
    // No body at all (a POST that needs no fields) reads as an empty object.
    const fields = body ?? {};
    if (typeof fields !== 'object' || Array.isArray(fields)) throw new InvalidRequest('the request body must be a JSON object');
    const unknown = Object.keys(fields).filter((name) => !allowed.includes(name));
    if (unknown.length) throw new InvalidRequest(`unknown field(s): ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`);
    return new AdminBody(fields as Record<string, unknown>);
  }

  has(name: string): boolean {
    return this.fields[name] !== undefined;
  }

  string(name: string): string | undefined {
    const value = this.fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') throw new InvalidRequest(`${name} must be a non-empty string`);
    return storable(name, value);
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw new InvalidRequest(`${name} is required`);
    return value;
  }

  stringList(name: string): string[] | undefined {
    const value = this.fields[name];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) {
      throw new InvalidRequest(`${name} must be an array of non-empty strings`);
    }
    return storable(name, value as string[]);
  }

  requiredStringList(name: string): string[] {
    const value = this.stringList(name);
    if (value === undefined) throw new InvalidRequest(`${name} is required`);
    return value;
  }

  positiveInteger(name: string): number | undefined {
    const value = this.fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new InvalidRequest(`${name} must be a positive integer`);
    return value;
  }

  object(name: string): Record<string, unknown> | undefined {
    const value = this.fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidRequest(`${name} must be a JSON object`);
    return storable(name, value as Record<string, unknown>);
  }
}

/** The value, unless a NUL hides somewhere in it (a string, a list item, an object's key or nested value). */
function storable<T>(name: string, value: T): T {
  if (holdsNul(value)) throw new InvalidRequest(`${name} must not contain a NUL character`);
  return value;
}

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return !isStorableText(value);
  if (Array.isArray(value)) return value.some(holdsNul);
  if (typeof value === 'object' && value !== null) return Object.entries(value).some(([key, item]) => !isStorableText(key) || holdsNul(item));
  return false;
}
