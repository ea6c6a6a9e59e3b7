import { Controller, Get, Module, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHttpApp } from './http-app';
import { trustProxyFrom } from './trust-proxy';

describe('TRUST_PROXY', () => {
  it('unset or empty trusts nobody', () => {
    expect(trustProxyFrom(undefined)).toBe(false);
    expect(trustProxyFrom('  ')).toBe(false);
  });

  it('a hop count trusts that many peers from the socket outwards', () => {
    const trust = trustProxyFrom('2') as (address: string, hop: number) => boolean;
    expect([0, 1, 2].map((hop) => trust('203.0.113.1', hop))).toEqual([true, true, false]);
  });

  it('a comma list of addresses, CIDRs and named ranges is kept as given', () => {
    expect(trustProxyFrom('10.0.0.0/8, 192.168.1.1,::1/128,loopback')).toEqual(['10.0.0.0/8', '192.168.1.1', '::1/128', 'loopback']);
  });

  it.each(['true', '*', '0', '17', '10.0.0.0/33', '::/129', 'example.com', '10.0.0.1/8/8', '10.0.0.1,', 'fe80::1/x'])('refuses %j at start', (value) => {
    expect(() => trustProxyFrom(value)).toThrow(/TRUST_PROXY/);
  });
});

@Controller()
class WhoAmI {
  @Get('ip')
  ip(@Req() request: FastifyRequest): { ip: string } {
    return { ip: request.ip };
  }
}

@Module({ controllers: [WhoAmI] })
class WhoAmIModule {}

describe('X-Forwarded-For is honoured only when trusted (createHttpApp)', () => {
  const saved = process.env.TRUST_PROXY;
  afterEach(() => {
    if (saved === undefined) delete process.env.TRUST_PROXY;
    else process.env.TRUST_PROXY = saved;
  });

  async function ipSeen(trustProxy: string | undefined, remoteAddress: string, forwardedFor: string): Promise<string> {
    if (trustProxy === undefined) delete process.env.TRUST_PROXY;
    else process.env.TRUST_PROXY = trustProxy;
    const app = await createHttpApp(WhoAmIModule, { realm: 'test', logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    try {
      const response = await app.inject({ method: 'GET', url: '/ip', remoteAddress, headers: { 'x-forwarded-for': forwardedFor } });
      return (response.json() as { ip: string }).ip;
    } finally {
      await app.close();
    }
  }

  it('unset: the TCP peer, whatever the header says', async () => {
    expect(await ipSeen(undefined, '10.1.2.3', '203.0.113.9')).toBe('10.1.2.3');
  });

  it('a trusted proxy range: the forwarded address from a peer in it, the peer itself otherwise', async () => {
    expect(await ipSeen('10.0.0.0/8', '10.1.2.3', '203.0.113.9')).toBe('203.0.113.9');
    expect(await ipSeen('10.0.0.0/8', '198.51.100.1', '203.0.113.9')).toBe('198.51.100.1');
  });

  it('a hop count: the address that many hops out', async () => {
    expect(await ipSeen('1', '10.1.2.3', '203.0.113.9, 10.9.9.9')).toBe('10.9.9.9');
    expect(await ipSeen('2', '10.1.2.3', '203.0.113.9, 10.9.9.9')).toBe('203.0.113.9');
  });

  it('a malformed value stops the app at start', async () => {
    process.env.TRUST_PROXY = 'everyone';
    await expect(createHttpApp(WhoAmIModule, { realm: 'test', logger: false })).rejects.toThrow(/TRUST_PROXY/);
  });
});
