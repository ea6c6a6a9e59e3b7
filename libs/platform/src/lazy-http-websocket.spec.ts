import { execFileSync } from 'node:child_process';
import { keepLazyExportsLazy } from './lazy-http-websocket';

/** An exports object as Node's builtins define lazy ones: an own, enumerable, configurable getter that loads on first read. */
function moduleWithLazyExport() {
  let loads = 0;
  const exports: Record<string, unknown> = { STATUS_CODES: { 200: 'OK' } };
  Object.defineProperty(exports, 'WebSocket', {
    enumerable: true,
    configurable: true,
    get() {
      loads++;
      Object.defineProperty(exports, 'WebSocket', { value: class WebSocket {}, writable: true, enumerable: true, configurable: true });
      return exports.WebSocket;
    },
  });
  return { exports, loads: () => loads };
}

/** What Node's ES-module view of a builtin does: read every own export. */
const readOwnExports = (exports: object) => Object.fromEntries(Object.keys(exports).map((key) => [key, (exports as Record<string, unknown>)[key]]));

describe('keepLazyExportsLazy', () => {
  it('reading every own export no longer loads it; reading it by name still does, once', () => {
    const lazyModule = moduleWithLazyExport();
    keepLazyExportsLazy(lazyModule.exports, ['WebSocket', 'CloseEvent']);
    expect(readOwnExports(lazyModule.exports)).toEqual({ STATUS_CODES: { 200: 'OK' } });
    expect(lazyModule.loads()).toBe(0);
    const WebSocket = lazyModule.exports.WebSocket;
    expect(typeof WebSocket).toBe('function');
    expect(lazyModule.exports.WebSocket).toBe(WebSocket);
    expect(lazyModule.loads()).toBe(1);
  });

  it('leaves an export that was already read, and names the module does not have', () => {
    const lazyModule = moduleWithLazyExport();
    const WebSocket = lazyModule.exports.WebSocket;
    const prototype = Object.getPrototypeOf(lazyModule.exports) as object;
    keepLazyExportsLazy(lazyModule.exports, ['WebSocket', 'MessageEvent']);
    expect(Object.getPrototypeOf(lazyModule.exports)).toBe(prototype);
    expect(readOwnExports(lazyModule.exports)).toEqual({ STATUS_CODES: { 200: 'OK' }, WebSocket });
    expect(lazyModule.loads()).toBe(1);
  });
});

describe('node:http on this Node, in a fresh process', () => {
  /** An ES module that imports node:http (as @nestjs/core does), with or without its WebSocket kept lazy first. */
  function importHttp(keepLazy: boolean): { undici: boolean; webSocket: string; exportsWebSocket: boolean } {
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const http = require('node:http');
      const exportsWebSocket = Object.getOwnPropertyDescriptor(http, 'WebSocket') !== undefined;
      if (${keepLazy}) (${keepLazyExportsLazy.toString()})(http, ['WebSocket', 'CloseEvent', 'MessageEvent']);
      await import('node:http');
      const undici = process.moduleLoadList.includes('NativeModule internal/deps/undici/undici');
      console.log(JSON.stringify({ undici, webSocket: typeof http.WebSocket, exportsWebSocket }));
    `;
    return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { undici: boolean; webSocket: string; exportsWebSocket: boolean };
  }

  it('an ES import of node:http loads undici only where node:http exports WebSocket, and not once it is kept lazy', () => {
    const plain = importHttp(false);
    // Node 22.5+ exports it (and loads undici for the import); Node 20 has neither.
    expect(plain.undici).toBe(plain.exportsWebSocket);
    const kept = importHttp(true);
    expect(kept.undici).toBe(false);
    // Still there to read, where this Node has it.
    expect(kept.webSocket).toBe(plain.exportsWebSocket ? 'function' : 'undefined');
  });
});
