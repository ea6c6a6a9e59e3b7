import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as deferred from './openapi-decorators';

const SWAGGER_KEYS = ['swagger/apiModelPropertiesArray', 'swagger/apiModelProperties', 'swagger/apiOperation', 'swagger/apiResponse', 'swagger/apiParameters', 'swagger/apiUseTags', 'swagger/apiSecurity', 'swagger/apiConsumes', 'swagger/apiProduces'];

/** Every swagger metadata entry a class carries: on the class, its prototype, each property and each method. */
function swaggerMetadata(type: new () => unknown): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  const read = (label: string, target: object, key?: string) => {
    for (const metadataKey of SWAGGER_KEYS) {
      const value = key === undefined ? Reflect.getOwnMetadata(metadataKey, target) : Reflect.getOwnMetadata(metadataKey, target, key);
      if (value !== undefined) found[`${label} ${metadataKey}`] = value;
    }
  };
  read('class', type);
  read('prototype', type.prototype as object);
  for (const key of Object.getOwnPropertyNames(type.prototype)) {
    read(`property ${key}`, type.prototype as object, key);
    const method = (type.prototype as Record<string, unknown>)[key];
    if (typeof method === 'function' && key !== 'constructor') read(`method ${key}`, method);
  }
  for (const key of ['name', 'tags']) read(`property ${key}`, type.prototype as object, key);
  return found;
}

/** The same declarations, written with the decorators `api` gives. */
function declare(api: Pick<typeof deferred, 'ApiProperty' | 'ApiPropertyOptional' | 'ApiOperation' | 'ApiResponse' | 'ApiParam' | 'ApiTags' | 'ApiSecurity' | 'ApiConsumes' | 'ApiProduces'>) {
  class Item {
    @api.ApiProperty({ description: 'the name', example: 'a' })
    name!: string;

    @api.ApiPropertyOptional({ type: String, isArray: true, enum: ['x', 'y'] })
    tags?: string[];
  }
  @api.ApiTags('things')
  class Things {
    @api.ApiOperation({ summary: 'one thing' })
    @api.ApiParam({ name: 'id', description: 'its id' })
    @api.ApiSecurity('basic')
    @api.ApiConsumes('application/x-www-form-urlencoded')
    @api.ApiProduces('application/json')
    @api.ApiResponse({ status: 200, description: 'the thing', type: Item })
    @api.ApiResponse({ status: 404, description: 'no such thing' })
    get(): void {}
  }
  return { Item, Things };
}

describe('deferred OpenAPI decorators', () => {
  it('write nothing until openApi() loads @nestjs/swagger, then exactly what its own decorators write', () => {
    const recorded = declare(deferred);
    expect(swaggerMetadata(recorded.Item)).toEqual({});
    expect(swaggerMetadata(recorded.Things)).toEqual({});
    expect(deferred.pendingOpenApiDecorators()).toBe(10);

    const swagger = deferred.openApi();
    expect(deferred.pendingOpenApiDecorators()).toBe(0);
    const direct = declare(swagger);
    const item = swaggerMetadata(recorded.Item);
    expect(Object.keys(item).length).toBeGreaterThanOrEqual(3);
    expect(item).toEqual(swaggerMetadata(direct.Item));
    // The response refers to the class it was given, which differs between the two declarations.
    const things = JSON.parse(JSON.stringify(swaggerMetadata(recorded.Things), (_key, value: unknown) => (value === recorded.Item ? 'Item' : value)));
    const directThings = JSON.parse(JSON.stringify(swaggerMetadata(direct.Things), (_key, value: unknown) => (value === direct.Item ? 'Item' : value)));
    expect(Object.keys(things).length).toBeGreaterThanOrEqual(6);
    expect(things).toEqual(directThings);
  });

  it('once loaded, apply at once', () => {
    const swagger = deferred.openApi();
    class Late {
      @deferred.ApiProperty({ description: 'late' })
      field!: string;
    }
    expect(deferred.pendingOpenApiDecorators()).toBe(0);
    expect(Reflect.getMetadata('swagger/apiModelProperties', Late.prototype, 'field')).toMatchObject({ description: 'late' });
    expect(swagger).toBe(deferred.openApi());
  });

  it('are the only way the apps and libraries load @nestjs/swagger', () => {
    const root = join(__dirname, '../../../..');
    const sources = (directory: string): string[] =>
      readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
        const path = join(directory, entry.name);
        if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sources(path);
        return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
      });
    const loaders = [...sources(join(root, 'apps')), ...sources(join(root, 'libs'))]
      .filter((path) => /^(?!\s*(?:import|export) type\b).*(?:from\s+'@nestjs\/swagger'|require\('@nestjs\/swagger'\)|import\('@nestjs\/swagger'\))/m.test(readFileSync(path, 'utf8')))
      .map((path) => relative(root, path));
    expect(loaders).toEqual(['libs/platform/src/api-docs/openapi-decorators.ts']);
  });
});
