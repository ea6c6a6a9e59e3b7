import type { ExecutionContext } from '@nestjs/common';

/**
 * The request of an HTTP execution context: what `context.switchToHttp().getRequest()` returns.
 * Read by index because `switchToHttp()` assigns three new closures onto the context each time it
 * is called, and the guards ask on every request, several times (each guard, each decision recorded):
 * 10 % of the guards' profile on a cached token (bench/README.md, "The token endpoint on a quiet
 * machine, and the guard's cost").
 */
export function httpRequestOf<T>(context: ExecutionContext): T {
  return context.getArgByIndex<T>(0);
}
