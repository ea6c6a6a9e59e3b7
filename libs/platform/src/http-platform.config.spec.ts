import { DEFAULT_PRODUCTION_METRICS_PORT, httpPlatformConfig } from './http-platform.config';

describe('httpPlatformConfig (validated at boot)', () => {
  it('serves /metrics on the app port unless METRICS_PORT is set', () => {
    expect(httpPlatformConfig({}).metricsPort).toBeUndefined();
    expect(httpPlatformConfig({ METRICS_PORT: '' }).metricsPort).toBeUndefined();
    expect(httpPlatformConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(httpPlatformConfig({ METRICS_PORT: '9464', HOST: '127.0.0.1' }).metricsHost).toBe('127.0.0.1');
  });

  // Issue 24 item 7: a production start without METRICS_PORT (the Dockerfile's default command) served
  // /metrics, per-client counters included, on the public OAuth port.
  it('in production, /metrics is never on the app port: METRICS_PORT, else 9464', () => {
    expect(DEFAULT_PRODUCTION_METRICS_PORT).toBe(9464);
    expect(httpPlatformConfig({ NODE_ENV: 'production' }).metricsPort).toBe(9464);
    expect(httpPlatformConfig({ NODE_ENV: 'production', METRICS_PORT: '' }).metricsPort).toBe(9464);
    expect(httpPlatformConfig({ NODE_ENV: 'production', METRICS_PORT: '9100' }).metricsPort).toBe(9100);
  });

  it('refuses a METRICS_PORT that is not a port', () => {
    for (const bad of ['0', '65536', '-1', '94.64', 'metrics', ' 9464']) {
      expect(() => httpPlatformConfig({ METRICS_PORT: bad })).toThrow(/METRICS_PORT/);
    }
  });

  it('API docs: on outside production unless false, off in production unless true', () => {
    expect(httpPlatformConfig({ NODE_ENV: 'development' }).apiDocsEnabled).toBe(true);
    expect(httpPlatformConfig({ NODE_ENV: 'test', API_DOCS_ENABLED: 'false' }).apiDocsEnabled).toBe(false);
    expect(httpPlatformConfig({ NODE_ENV: 'production' }).apiDocsEnabled).toBe(false);
    expect(httpPlatformConfig({ NODE_ENV: 'production', API_DOCS_ENABLED: 'true' }).apiDocsEnabled).toBe(true);
    expect(() => httpPlatformConfig({ NODE_ENV: 'production', API_DOCS_ENABLED: 'yes' })).toThrow(/API_DOCS_ENABLED/);
  });
});
