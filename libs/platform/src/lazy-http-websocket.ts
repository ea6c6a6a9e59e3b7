/**
 * Keeps node:http's undici exports (`WebSocket`, `CloseEvent`, `MessageEvent`) lazy when an ES module
 * imports node:http, by moving their lazy getters from the module's exports to a prototype of them.
 *
 * Why: since Node 22.5 node:http exports undici's WebSocket classes as lazy getters. Node builds the
 * ES-module view of a builtin by reading every one of its exports, so the first `import … from
 * 'node:http'` in an ES module (@nestjs/core, an ES module since Nest 12, imports STATUS_CODES so)
 * loads all of undici, Node's fetch: ~750 KB of source compiled at once. Measured on Node 24 (issue 28,
 * bench/README.md): +14 MB of RSS in a bare process, in an app that may never call fetch (the
 * auth-server fetches with node:http alone). An app that calls fetch loads undici then, as before.
 *
 * What changes for other code: `require('node:http').WebSocket` and `globalThis.WebSocket` still work
 * (undici loads on first use). Only a named ES import, `import { WebSocket } from 'node:http'`, now
 * reads undefined: use the global. Nothing changes on a Node without these exports (Node 20).
 *
 * Imported first by each app's main.ts, after its tracing (which hooks modules before they load) and
 * before anything loads an ES module.
 */
export function keepHttpWebSocketLazy(): void {
  keepLazyExportsLazy(require('node:http') as object, ['WebSocket', 'CloseEvent', 'MessageEvent']);
}

/** Moves the lazy getters among `names` from `exports` to a prototype of it; read values and absent names stay. */
export function keepLazyExportsLazy(exports: object, names: readonly string[]): void {
  const lazy: PropertyDescriptorMap = {};
  for (const name of names) {
    const descriptor = Object.getOwnPropertyDescriptor(exports, name);
    // Already read (a plain value), or not lazy on this Node: nothing to keep.
    if (!descriptor?.get || !descriptor.configurable) continue;
    lazy[name] = descriptor;
    delete (exports as Record<string, unknown>)[name];
  }
  if (Object.keys(lazy).length > 0) Object.setPrototypeOf(exports, Object.create(Object.getPrototypeOf(exports) as object, lazy));
}

keepHttpWebSocketLazy();
