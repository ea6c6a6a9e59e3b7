import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** What a test server does with one request. */
export type Behaviour =
  | { kind: 'respond'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Never answers (until the server closes): timeouts. */
  | { kind: 'hang' }
  /** Drops the connection without a response: network failures. */
  | { kind: 'destroy' };

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  rawBody: string;
  form: URLSearchParams;
  /** client_secret_basic decoded the way RFC 6749 Appendix B says: base64, split on the first ':', form-urldecode each part. */
  basic?: { clientId: string; secret: string };
}

/** A real HTTP server on 127.0.0.1:<random>, scripted per request. */
export class LocalHttpServer {
  readonly requests: RecordedRequest[] = [];
  /** Behaviours used (and consumed) before `fallback`. */
  readonly queue: Behaviour[] = [];
  fallback: (request: RecordedRequest) => Behaviour | Promise<Behaviour>;
  private gate?: Promise<void>;
  private openGate?: () => void;
  private arrivals: Array<{ count: number; resolve: () => void }> = [];
  private server!: Server;
  url = '';

  constructor(fallback: (request: RecordedRequest) => Behaviour | Promise<Behaviour>) {
    this.fallback = fallback;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.openGate?.();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get count(): number {
    return this.requests.length;
  }

  /** Holds every response until the returned function is called (requests are still recorded). */
  hold(): () => void {
    this.gate = new Promise<void>((resolve) => {
      this.openGate = () => {
        this.gate = undefined;
        resolve();
      };
    });
    return () => this.openGate?.();
  }

  /** Resolves once `count` requests have arrived in total. */
  received(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.arrivals.push({ count, resolve }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawBody,
      form: new URLSearchParams(rawBody),
      basic: decodeBasic(req.headers.authorization),
    };
    this.requests.push(recorded);
    for (const waiter of this.arrivals.filter((w) => this.requests.length >= w.count)) waiter.resolve();
    this.arrivals = this.arrivals.filter((w) => this.requests.length < w.count);

    const behaviour = this.queue.shift() ?? (await this.fallback(recorded));
    if (this.gate) await this.gate;
    if (behaviour.kind === 'hang') return;
    if (behaviour.kind === 'destroy') {
      req.socket.destroy();
      return;
    }
    const body = behaviour.body === undefined ? '' : typeof behaviour.body === 'string' ? behaviour.body : JSON.stringify(behaviour.body);
    res.writeHead(behaviour.status, {
      ...(typeof behaviour.body === 'object' ? { 'content-type': 'application/json' } : {}),
      ...behaviour.headers,
    });
    res.end(body);
  }
}

function decodeBasic(header: string | undefined): RecordedRequest['basic'] {
  const match = /^Basic (.+)$/.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // A malformed %-escape is recorded as the raw text, so the test sees the mismatch instead of a hung request.
  const formDecode = (value: string) => {
    try {
      return decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      return value;
    }
  };
  return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

/** A token endpoint issuing `tok-1`, `tok-2`, … valid `expiresIn` seconds (default 900). */
export function startTokenEndpoint(options: { expiresIn?: number } = {}): Promise<LocalHttpServer> {
  let issued = 0;
  return new LocalHttpServer(() => ({
    kind: 'respond',
    status: 200,
    body: { access_token: `tok-${++issued}`, token_type: 'Bearer', expires_in: options.expiresIn ?? 900, scope: 'users:read' },
    headers: { 'cache-control': 'no-store' },
  })).start();
}

export const invalidClient: Behaviour = {
  kind: 'respond',
  status: 401,
  body: { error: 'invalid_client', error_description: 'client authentication failed' },
  headers: { 'www-authenticate': 'Basic realm="auth-server"' },
};

/** A port nothing listens on (a server that was started and closed). */
export async function closedPortUrl(): Promise<string> {
  const server = await new LocalHttpServer(() => ({ kind: 'respond', status: 200 })).start();
  const { url } = server;
  await server.close();
  return url;
}

/** A controllable clock for `now`. */
export function testClock(start = Date.UTC(2030, 0, 1)) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

/** Captures log lines (and lets tests check that no secret or token ever reaches them). */
export function captureLogger() {
  const lines: string[] = [];
  return {
    lines,
    logger: {
      warn: (message: string) => void lines.push(`warn: ${message}`),
      log: (message: string) => void lines.push(`log: ${message}`),
      debug: (message: string) => void lines.push(`debug: ${message}`),
    },
  };
}
