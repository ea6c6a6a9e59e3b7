import Fastify from 'fastify';
import pino from 'pino';
import { Writable } from 'node:stream';
import { PinoNestLogger, pinoLevel, REDACTED_PATHS, registerAccessLog, requestIdOf } from './logging';

describe('logging', () => {
  it('keeps a plain caller request id, else a traceparent trace id, else makes one', () => {
    expect(requestIdOf({ 'x-request-id': 'abc-123_X.y:z' })).toBe('abc-123_X.y:z');
    expect(requestIdOf({ 'x-request-id': 'has space', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
    expect(requestIdOf({ 'x-request-id': 'x'.repeat(129) })).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' })).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf({})).not.toBe(requestIdOf({}));
  });

  it("maps Nest's enabled levels to pino's threshold", () => {
    expect(pinoLevel(['fatal', 'error', 'warn', 'log'])).toBe('info');
    expect(pinoLevel(['fatal'])).toBe('fatal');
    expect(pinoLevel(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'])).toBe('trace');
    expect(pinoLevel(false)).toBe('silent');
  });

  it("writes Nest's boot lines (modules, routes) at debug: hidden at the default level, shown at debug", () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    const logAt = (level: string) => {
      lines.length = 0;
      const nest = new PinoNestLogger(pino({ level }, sink));
      nest.log('AuthModule dependencies initialized', 'InstanceLoader');
      nest.log('Mapped {/orders, GET} route', 'RouterExplorer');
      nest.log('OrdersController {/orders}:', 'RoutesResolver');
      nest.log('ready on http://localhost:3002', 'order-service');
      return lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    };
    expect(logAt('info')).toEqual(['ready on http://localhost:3002']);
    expect(logAt('debug')).toHaveLength(4);
  });

  it('redacts credentials wherever a log call puts them', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    const logger = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    logger.info(
      { req: { headers: { authorization: 'Basic c2VjcmV0', cookie: 'csrf=1' }, body: { client_secret: 's3cret' } }, refresh_token: 'rt', params: { code: 'c0de', password: 'pw' } },
      'event',
    );
    const line = lines.join('');
    for (const secret of ['c2VjcmV0', 'csrf=1', 's3cret', '"rt"', 'c0de', '"pw"']) expect(line).not.toContain(secret);
    expect(line).toContain('[redacted]');
  });

  it('writes one access-log line per request from fields that hold no secret (method, path without query, status, id, time)', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    // The app's logger, redaction and all: the access log's own child skips redaction, so it must not see secrets at all.
    const logger = pino({ level: 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    const fastify = Fastify();
    registerAccessLog(fastify, logger);
    fastify.post('/oauth/token', async (_request, reply) => reply.status(400).send({ error: 'invalid_request' }));
    fastify.get('/health/live', async () => ({ status: 'ok' }));
    await fastify.inject({
      method: 'POST',
      url: '/oauth/token?client_secret=q-s3cret&code=q-c0de',
      headers: { authorization: 'Basic YmlsbGluZzpzM2NyZXQ=', cookie: 'csrf=n0nce', 'content-type': 'application/json' },
      payload: { client_secret: 'b-s3cret', password: 'b-pw' },
    });
    await fastify.inject({ method: 'GET', url: '/health/live' });
    await fastify.close();
    expect(lines).toHaveLength(2);
    const [token, health] = lines.map((line) => JSON.parse(line));
    expect(token).toMatchObject({ level: 40, req: { method: 'POST', url: '/oauth/token' }, res: { statusCode: 400 }, msg: 'request completed' });
    expect(health).toMatchObject({ level: 30, req: { method: 'GET', url: '/health/live' }, res: { statusCode: 200 } });
    expect(typeof token.reqId).toBe('string');
    for (const secret of ['q-s3cret', 'q-c0de', 'YmlsbGluZzpzM2NyZXQ', 'n0nce', 'b-s3cret', 'b-pw']) expect(lines.join('')).not.toContain(secret);
  });

  it("the access log follows the app's level: info lines are skipped at warn", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    const fastify = Fastify();
    registerAccessLog(fastify, pino({ level: 'warn' }, sink));
    fastify.get('/ok', async () => 'ok');
    fastify.get('/missing', async (_request, reply) => reply.status(404).send('no'));
    await fastify.inject({ method: 'GET', url: '/ok' });
    await fastify.inject({ method: 'GET', url: '/missing' });
    await fastify.close();
    expect(lines.map((line) => JSON.parse(line).res.statusCode)).toEqual([404]);
  });
});
