// The ceiling for "sign an ES256 JWT per request" in Node: node:http, Basic credentials checked in
// constant time, one jose ES256 signature, the same JSON response. No framework, no database.
import { createServer } from 'node:http';
import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';

const { BENCH_PORT, BENCH_ISSUER, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, BENCH_JWK } = process.env;
const jwk = JSON.parse(BENCH_JWK);
const key = await importJWK(jwk, 'ES256');
const digest = (value) => createHash('sha256').update(value).digest();
const expected = digest(`${BENCH_CLIENT_ID}:${BENCH_CLIENT_SECRET}`);

createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', async () => {
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const credentials = basic ? Buffer.from(basic, 'base64').toString() : '';
    if (request.method !== 'POST' || !timingSafeEqual(digest(credentials), expected)) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ client_id: BENCH_CLIENT_ID, scope: 'users:read', jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid })
      .setIssuer(BENCH_ISSUER)
      .setSubject(BENCH_CLIENT_ID)
      .setAudience('api://user-service')
      .setIssuedAt(now)
      .setExpirationTime(now + 900)
      .sign(key);
    response
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' })
      .end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 900, scope: 'users:read' }));
  });
}).listen(Number(BENCH_PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
