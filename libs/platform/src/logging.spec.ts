import pino from 'pino';
import { Writable } from 'node:stream';
import { pinoLevel, REDACTED_PATHS, requestIdOf } from './logging';

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
});
