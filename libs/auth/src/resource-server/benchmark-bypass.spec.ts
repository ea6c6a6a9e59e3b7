import { InvalidToken } from '../errors/oauth.errors';
import { benchmarkAuthorization, benchmarkBypassFromEnv, benchmarkPrincipal } from './benchmark-bypass';

describe('benchmark bypass (npm run bench only)', () => {
  it('is off unless BENCH_DISABLE_AUTH=1, and refused in production', () => {
    expect(benchmarkBypassFromEnv({})).toBe(false);
    expect(benchmarkBypassFromEnv({ BENCH_DISABLE_AUTH: 'true' })).toBe(false);
    expect(benchmarkBypassFromEnv({ BENCH_DISABLE_AUTH: '1' })).toBe(true);
    expect(() => benchmarkBypassFromEnv({ BENCH_DISABLE_AUTH: '1', NODE_ENV: 'production' })).toThrow(/refusing to start in production/);
  });

  it('reads the caller from the header it writes', () => {
    const principal = benchmarkPrincipal(benchmarkAuthorization('user', 'alice-id', ['orders:read', 'orders:write']));
    expect(principal).toMatchObject({ kind: 'user', subject: 'alice-id', scopes: ['orders:read', 'orders:write'] });
    expect(benchmarkPrincipal(benchmarkAuthorization('service', 'order-service', ['users:read']))).toMatchObject({
      kind: 'service',
      clientId: 'order-service',
    });
  });

  it('rejects anything else as invalid_token', () => {
    for (const header of [undefined, 'Bearer eyJhbGciOi.x.y', 'Bearer bench admin x', 'Bearer bench user']) {
      expect(() => benchmarkPrincipal(header)).toThrow(InvalidToken);
    }
  });
});
