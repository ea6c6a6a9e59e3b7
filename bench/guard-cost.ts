/**
 * Micro-benchmark of what libs/auth's two global guards (BearerAuthGuard, then ScopesGuard) cost a
 * request, in the process and without the HTTP stack: a route with @ServiceOnly() @Scopes() and a
 * token verified before (the verified-token cache answers, as for a caller's cached client-credentials
 * token), against a @Public() route. `npm run bench` measures the same through HTTP (scenario 2),
 * where a few hundred ns are below the machine's noise; this isolates them.
 *
 *   node scripts/run-built.js dist/bench/guard-cost.js
 *
 * The token is real: signed here, its key served as a JWKS by a local server, verified once through
 * passport like any first token. Each request gets a new Authorization string, as Node's parser makes.
 */
import { AuthModule, BearerAuthGuard, GuardDecisionStats, Public, RevocationFeed, Scopes, ScopesGuard, ServiceOnly } from '@nest-oauth-m2m/auth';
import { Controller, Get, Module, Type } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { AuthModuleOptions } from '@nestjs/passport';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

@Controller('orders')
class OrdersController {
  @Get('guarded')
  @ServiceOnly()
  @Scopes('users:read')
  guarded(): void {}

  @Get('public')
  @Public()
  unguarded(): void {}
}

const PER_ROUND = 20_000;
const ROUNDS = 31;

async function main(): Promise<void> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] });
  const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const options = { issuer, audience: 'api://user-service', realm: 'bench', jwksUri: `${issuer}/jwks` };
  @Module({ imports: [AuthModule.forRoot(options)], controllers: [OrdersController] })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
  const reflector = app.get(Reflector);
  const decisions = app.get(GuardDecisionStats);
  // The same two guards AuthModule registers as APP_GUARDs, on its providers.
  const bearer = new BearerAuthGuard(reflector, options, decisions, app.get(AuthModuleOptions), app.get(RevocationFeed));
  const scopes = new ScopesGuard(reflector, decisions);

  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ client_id: 'order-service', scope: 'users:read', jti: 'bench' })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'bench' })
    .setIssuer(issuer)
    .setSubject('order-service')
    .setAudience('api://user-service')
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(privateKey);
  const header = Buffer.from(`Bearer ${token}`);

  const context = (handler: () => void) => {
    // A new string per request, as the HTTP parser makes it (a cache keyed by it hashes it anew).
    const authorization = header.toString('latin1');
    const raw = { rawHeaders: ['Host', '127.0.0.1', 'Authorization', authorization, 'Accept', '*/*'] };
    const request = { method: 'GET', url: '/orders/guarded', headers: { host: '127.0.0.1', authorization, accept: '*/*' }, raw, routeOptions: { url: '/orders/guarded' } };
    return new ExecutionContextHost([request, {}, () => undefined], OrdersController as Type, handler);
  };
  const handlers = { guarded: OrdersController.prototype.guarded, public: OrdersController.prototype.unguarded };
  // The first request verifies the token (passport, the JWKS); it must pass, and so must every later one.
  if ((await bearer.canActivate(context(handlers.guarded))) !== true) throw new Error('the token was refused');
  const once = (handler: () => void) => {
    const each = context(handler);
    if (bearer.canActivate(each) !== true || !scopes.canActivate(each)) throw new Error('a request was refused or not answered from the cache');
  };

  const samples: Record<keyof typeof handlers, number[]> = { guarded: [], public: [] };
  for (let i = 0; i < PER_ROUND * 2; i++) for (const handler of Object.values(handlers)) once(handler); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    // Alternating order, so drift in the machine's speed hits both alike.
    const order = (round % 2 ? ['guarded', 'public'] : ['public', 'guarded']) as (keyof typeof handlers)[];
    for (const name of order) {
      const start = process.cpuUsage();
      for (let i = 0; i < PER_ROUND; i++) once(handlers[name]);
      const used = process.cpuUsage(start);
      samples[name].push(((used.user + used.system) * 1000) / PER_ROUND);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const guarded = median(samples.guarded);
  const unguarded = median(samples.public);
  process.stdout.write(
    `guards on a cached token, ${process.version}: @Scopes route ${guarded.toFixed(0)} ns, @Public route ${unguarded.toFixed(0)} ns CPU per request ` +
      `(median of ${ROUNDS}×${PER_ROUND}, the request object included): the guards' own cost ${(guarded - unguarded).toFixed(0)} ns\n`,
  );
  await app.close();
  server.close();
}

void main().catch((error: Error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
