import { dirname, join } from 'node:path';

/**
 * Packages the apps must load once, whoever asks for them (package.json `overrides`). Two copies
 * cost CPU and memory on every start: a second Fastify wrapped every request in its own content-type
 * parser (bench/README.md, rounds 1 and 2); 18 copies of @opentelemetry/core were 544 modules more
 * with tracing on (issue 28). A dependency bump that splits them again fails here, not in the bench.
 */
const root = join(__dirname, '..');

function resolvedFrom(dependent: string | undefined, name: string): string {
  const from = dependent ? dirname(require.resolve(`${dependent}/package.json`, { paths: [root] })) : root;
  return require.resolve(`${name}/package.json`, { paths: [from] });
}

describe('one copy of the packages every request or span goes through', () => {
  it.each([
    ['fastify', ['@nestjs/platform-fastify']],
    ['@opentelemetry/core', ['@opentelemetry/sdk-trace', '@opentelemetry/exporter-trace-otlp-proto', '@opentelemetry/sdk-trace-base', '@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-pg', '@fastify/otel']],
  ])('%s resolves to the root copy from each package that uses it', (name, dependents) => {
    const rootCopy = resolvedFrom(undefined, name);
    for (const dependent of dependents) expect({ dependent, copy: resolvedFrom(dependent, name) }).toEqual({ dependent, copy: rootCopy });
  });
});
