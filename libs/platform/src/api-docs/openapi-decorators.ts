import type * as Swagger from '@nestjs/swagger';

/**
 * @nestjs/swagger's decorators, recorded where they are written and run the first time an OpenAPI
 * document is built (`openApi()`), in the order they were written.
 *
 * Why: loading @nestjs/swagger costs a process ~13 MB of RSS and 4 MB of heap (issue 28; its
 * `es-toolkit/compat` alone is 5 MB), and only a process that serves /docs-json ever reads what these
 * decorators write. Production keeps the docs off, and a development process builds them on the first
 * request, so most processes never load it. Once it is loaded, a decorator runs at once.
 *
 * The signatures are @nestjs/swagger's own: import these instead of the package's, and nothing else changes.
 */
type SwaggerExports = typeof Swagger;
type Replay = (swagger: SwaggerExports) => void;
type AnyDecorator = (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => unknown;

let loaded: SwaggerExports | undefined;
const pending: Replay[] = [];

function deferred<Name extends keyof SwaggerExports>(name: Name): SwaggerExports[Name] {
  const recorded = (...args: unknown[]) =>
    (target: object, key?: string | symbol, descriptor?: PropertyDescriptor): void => {
      const replay: Replay = (swagger) => ((swagger[name] as (...options: unknown[]) => AnyDecorator)(...args))(target, key, descriptor);
      if (loaded) replay(loaded);
      else pending.push(replay);
    };
  return recorded as SwaggerExports[Name];
}

export const ApiBody = deferred('ApiBody');
export const ApiConsumes = deferred('ApiConsumes');
export const ApiOperation = deferred('ApiOperation');
export const ApiParam = deferred('ApiParam');
export const ApiProduces = deferred('ApiProduces');
export const ApiProperty = deferred('ApiProperty');
export const ApiPropertyOptional = deferred('ApiPropertyOptional');
export const ApiQuery = deferred('ApiQuery');
export const ApiResponse = deferred('ApiResponse');
export const ApiSecurity = deferred('ApiSecurity');
export const ApiTags = deferred('ApiTags');

export type { DocumentBuilder, OpenAPIObject, SchemaObject } from '@nestjs/swagger';

/** @nestjs/swagger, loaded on first use, with every decorator recorded so far applied. */
export function openApi(): SwaggerExports {
  if (!loaded) {
    // A plain require, so this stays synchronous and jest's module registry serves the same instance.
    const swagger = require('@nestjs/swagger') as SwaggerExports;
    for (const replay of pending.splice(0)) replay(swagger);
    loaded = swagger;
  }
  return loaded;
}

/** How many recorded decorators wait for openApi() (read by its spec). */
export function pendingOpenApiDecorators(): number {
  return pending.length;
}
