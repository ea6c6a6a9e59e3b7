import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { fetchTransport, headerRecord, nodeHttpTransport, OutboundRequest, plainBody } from './outbound-http';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real server whose handler each test sets; it records what arrived. */
async function startServer(handle: (request: IncomingMessage, response: ServerResponse) => void) {
  const seen: Seen[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ method: request.method!, url: request.url!, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      handle(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const get = (overrides: Partial<OutboundRequest> = {}): OutboundRequest => ({
  method: 'GET',
  headers: {},
  redirect: 'manual',
  signal: AbortSignal.timeout(5_000),
  ...overrides,
});

describe('nodeHttpTransport', () => {
  const servers: { close(): Promise<void> }[] = [];
  const serve = async (handle: Parameters<typeof startServer>[0]) => {
    const server = await startServer(handle);
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('answers status, single headers as Headers.get joins them, every header as Headers, and the text without a BOM', async () => {
    const server = await serve((_, response) => {
      response.setHeader('set-cookie', ['a=1', 'b=2']);
      response.setHeader('www-authenticate', ['Bearer realm="x"', 'DPoP algs="ES256"']);
      response.setHeader('content-type', 'application/json');
      response.writeHead(201).end('\uFEFF{"ok":true}');
    });
    const answer = await nodeHttpTransport(new URL(`${server.url}/things?x=1`), get({ headers: { accept: 'application/json' } }));
    expect(answer.status).toBe(201);
    expect(answer.text).toBe('{"ok":true}');
    expect(answer.header('WWW-Authenticate')).toBe('Bearer realm="x", DPoP algs="ES256"');
    expect(answer.header('x-missing')).toBeNull();
    expect(answer.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(server.seen[0]).toMatchObject({ method: 'GET', url: '/things?x=1', headers: { accept: 'application/json' } });
  });

  it('sends a string or byte body with its length, and keeps the connection for the next request', async () => {
    const server = await serve((request, response) => response.end(String(request.socket.remotePort)));
    const first = await nodeHttpTransport(new URL(server.url), get({ method: 'POST', body: 'a=1&b=é' }));
    const second = await nodeHttpTransport(new URL(server.url), get({ method: 'PUT', body: new Uint8Array([104, 105]) }));
    expect(server.seen.map(({ method, body, headers }) => [method, body, headers['content-length']])).toEqual([
      ['POST', 'a=1&b=é', '8'],
      ['PUT', 'hi', '2'],
    ]);
    expect(second.text).toBe(first.text); // the same client port: keep-alive
  });

  it('rejects with the signal\'s reason when no answer comes in time, or the body stalls', async () => {
    const silent = await serve(() => undefined);
    const noAnswer = nodeHttpTransport(new URL(silent.url), get({ signal: AbortSignal.timeout(100) }));
    await expect(noAnswer).rejects.toMatchObject({ name: 'TimeoutError' });

    const stalling = await serve((_, response) => response.writeHead(200, { 'content-length': '10' }).write('abc'));
    const stalled = nodeHttpTransport(new URL(stalling.url), get({ signal: AbortSignal.timeout(150) }));
    await expect(stalled).rejects.toMatchObject({ name: 'TimeoutError' });

    const aborted = new AbortController();
    aborted.abort(new Error('caller gave up'));
    await expect(nodeHttpTransport(new URL(silent.url), get({ signal: aborted.signal }))).rejects.toThrow('caller gave up');
  });

  it('rejects a refused connection with its code, a body cut short, and a scheme it does not speak', async () => {
    const refused = await serve(() => undefined);
    const { url } = refused;
    await refused.close();
    servers.pop();
    await expect(nodeHttpTransport(new URL(url), get())).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    const cut = await serve((request, response) => {
      response.writeHead(200, { 'content-length': '10' }).write('abc', () => request.socket.destroy());
    });
    await expect(nodeHttpTransport(new URL(cut.url), get())).rejects.toThrow();
    await expect(nodeHttpTransport(new URL('ftp://127.0.0.1/x'), get())).rejects.toThrow(/ftp: URLs are not supported/);
  });

  it('answers a redirect as it is (manual), refuses it (error), or follows it as fetch does (follow)', async () => {
    const elsewhere = await serve((_, response) => response.end('elsewhere'));
    const server = await serve((request, response) => {
      if (request.url === '/moved') return response.writeHead(302, { location: '/here' }).end();
      if (request.url === '/see-other') return response.writeHead(303, { location: '/here' }).end();
      if (request.url === '/away') return response.writeHead(307, { location: `${elsewhere.url}/there` }).end();
      if (request.url === '/loop') return response.writeHead(302, { location: '/loop' }).end();
      response.end(`here ${request.method}`);
    });
    const manual = await nodeHttpTransport(new URL(`${server.url}/moved`), get());
    expect([manual.status, manual.header('location')]).toEqual([302, '/here']);
    await expect(nodeHttpTransport(new URL(`${server.url}/moved`), get({ redirect: 'error' }))).rejects.toThrow(/unexpected redirect \(302\)/);
    expect((await nodeHttpTransport(new URL(`${server.url}/moved`), get({ redirect: 'follow' }))).text).toBe('here GET');

    const posted = await nodeHttpTransport(new URL(`${server.url}/see-other`), get({ method: 'POST', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'follow' }));
    expect(posted.text).toBe('here GET');
    expect(server.seen.at(-1)).toMatchObject({ method: 'GET', body: '' });
    expect(server.seen.at(-1)!.headers['content-type']).toBeUndefined();

    const crossed = await nodeHttpTransport(new URL(`${server.url}/away`), get({ headers: { authorization: 'Bearer secret', 'x-kept': '1' }, redirect: 'follow' }));
    expect(crossed.text).toBe('elsewhere');
    expect(elsewhere.seen[0]!.headers.authorization).toBeUndefined();
    expect(elsewhere.seen[0]!.headers['x-kept']).toBe('1');

    await expect(nodeHttpTransport(new URL(`${server.url}/loop`), get({ redirect: 'follow' }))).rejects.toThrow(/more than 20 redirects/);
  });

  it('decodes a compressed body, as fetch does', async () => {
    const server = await serve((_, response) => response.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('{"zipped":1}')));
    expect((await nodeHttpTransport(new URL(server.url), get())).text).toBe('{"zipped":1}');
  });

  it('answers like the fetch transport does for the same exchange', async () => {
    const server = await serve((_, response) => response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'retry-after': '5' }).end('no'));
    const viaFetch = await fetchTransport(fetch)(new URL(server.url), get());
    const viaNode = await nodeHttpTransport(new URL(server.url), get());
    for (const answer of [viaFetch, viaNode]) {
      expect([answer.status, answer.text, answer.header('www-authenticate'), answer.headers.get('retry-after')]).toEqual([401, 'no', 'Bearer error="invalid_token"', '5']);
    }
  });
});

describe('headerRecord and plainBody', () => {
  it('lower-cases names, trims values and joins a repeated name, from a record, pairs or Headers', () => {
    expect(headerRecord({ Accept: ' a/b ', 'X-One': '1' })).toEqual({ accept: 'a/b', 'x-one': '1' });
    expect(headerRecord([['X-Two', '1'], ['x-two', '2']])).toEqual({ 'x-two': '1, 2' });
    expect(headerRecord(new Headers({ 'X-Three': '3' }))).toEqual({ 'x-three': '3' });
    expect(headerRecord(undefined)).toEqual({});
  });

  it('throws a TypeError for a name or value no HTTP header can carry', () => {
    // Node's own TypeError: another realm than the test's, so its name is checked, not its class.
    expect(() => headerRecord({ 'bad name': '1' })).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_HTTP_TOKEN' }));
    expect(() => headerRecord({ good: 'line\r\nbreak' })).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_CHAR' }));
  });

  it('sends strings, forms and bytes itself, with fetch\'s content types, and leaves Blob, FormData and streams to fetch', () => {
    expect(plainBody(undefined)).toEqual({});
    expect(plainBody('x')).toEqual({ bytes: 'x', contentType: 'text/plain;charset=UTF-8' });
    expect(plainBody(new URLSearchParams({ a: '1 2' }))).toEqual({ bytes: 'a=1+2', contentType: 'application/x-www-form-urlencoded;charset=UTF-8' });
    expect(plainBody(new Uint8Array([1, 2, 3]).subarray(1))).toEqual({ bytes: new Uint8Array([2, 3]) });
    expect(plainBody(new Uint8Array([7]).buffer)).toEqual({ bytes: new Uint8Array([7]) });
    expect(plainBody(new Blob(['x']))).toBeUndefined();
    expect(plainBody(new FormData())).toBeUndefined();
    expect(plainBody(new ReadableStream())).toBeUndefined();
  });
});
