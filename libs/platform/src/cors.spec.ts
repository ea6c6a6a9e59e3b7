import { corsOrigins } from './cors';

describe('corsOrigins', () => {
  it('allows the auth-server origin (the flow explorer) by default in development', () => {
    expect(corsOrigins({ NODE_ENV: 'development', ISSUER: 'http://localhost:4000/' })).toEqual(['http://localhost:4000']);
    expect(corsOrigins({ NODE_ENV: 'development', AUTH_SERVER_PORT: '3100' })).toEqual(['http://localhost:3100']);
  });

  it('allows no origin by default at the auth-server itself: the explorer calls it from its own origin', () => {
    expect(corsOrigins({ NODE_ENV: 'development', ISSUER: 'http://localhost:4000/' }, true)).toEqual([]);
    expect(corsOrigins({ NODE_ENV: 'development', CORS_ORIGINS: 'https://spa.example.com' }, true)).toEqual(['https://spa.example.com']);
  });

  it('allows no origin by default in production', () => {
    expect(corsOrigins({ NODE_ENV: 'production', ISSUER: 'https://auth.example.com' })).toEqual([]);
  });

  it('takes CORS_ORIGINS as a comma-separated list, empty meaning none', () => {
    expect(corsOrigins({ NODE_ENV: 'production', CORS_ORIGINS: 'https://a.example.com, https://b.example.com:8443' })).toEqual([
      'https://a.example.com',
      'https://b.example.com:8443',
    ]);
    expect(corsOrigins({ NODE_ENV: 'development', CORS_ORIGINS: '' })).toEqual([]);
  });

  it('refuses something that is not an origin', () => {
    expect(() => corsOrigins({ CORS_ORIGINS: 'https://a.example.com/app' })).toThrow(/not an origin/);
    expect(() => corsOrigins({ CORS_ORIGINS: 'not a url' })).toThrow();
  });
});
