import { explorerConfig } from './explorer.config';

function configWith(env: Record<string, string | undefined>) {
  const saved = { ...process.env };
  const cleared = { NODE_ENV: undefined, EXPLORER_ENABLED: undefined, EXPLORER_ORDER_SERVICE_URL: undefined, EXPLORER_DELEGATED_ORDER_SERVICE_URL: undefined, ORDER_SERVICE_PORT: undefined, EXPLORER_TRACE_URL: undefined };
  for (const [name, value] of Object.entries({ ...cleared, ...env })) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    return explorerConfig();
  } finally {
    process.env = saved;
  }
}

describe('explorerConfig', () => {
  it('is on outside production and off in production unless EXPLORER_ENABLED=true', () => {
    expect(configWith({ NODE_ENV: 'development' }).enabled).toBe(true);
    expect(configWith({ NODE_ENV: 'development', EXPLORER_ENABLED: 'false' }).enabled).toBe(false);
    expect(configWith({ NODE_ENV: 'production' }).enabled).toBe(false);
    expect(configWith({ NODE_ENV: 'production', EXPLORER_ENABLED: 'true' }).enabled).toBe(true);
  });

  it('points the browser at order-service on its configured port unless told otherwise', () => {
    expect(configWith({ NODE_ENV: 'development', ORDER_SERVICE_PORT: '4002' }).orderServiceUrl).toBe('http://localhost:4002');
    expect(configWith({ EXPLORER_ORDER_SERVICE_URL: 'https://orders.example.com/' }).orderServiceUrl).toBe('https://orders.example.com');
    expect(() => configWith({ EXPLORER_ORDER_SERVICE_URL: 'not a url' })).toThrow();
  });

  it("points the token-exchange mode at a second order-service (USER_LOOKUP=token_exchange), by default on 3003", () => {
    expect(configWith({}).delegatedOrderServiceUrl).toBe('http://localhost:3003');
    expect(configWith({ EXPLORER_DELEGATED_ORDER_SERVICE_URL: 'https://orders-delegated.example.com/' }).delegatedOrderServiceUrl).toBe('https://orders-delegated.example.com');
    expect(() => configWith({ EXPLORER_DELEGATED_ORDER_SERVICE_URL: 'not a url' })).toThrow();
  });

  it('links trace ids to a viewer only when EXPLORER_TRACE_URL names an http(s) one', () => {
    expect(configWith({}).traceUrl).toBeUndefined();
    expect(configWith({ EXPLORER_TRACE_URL: 'http://localhost:16686/trace/{traceId}' }).traceUrl).toBe('http://localhost:16686/trace/{traceId}');
    expect(() => configWith({ EXPLORER_TRACE_URL: 'javascript:alert(1)//{traceId}' })).toThrow('EXPLORER_TRACE_URL must be an http(s) URL');
    expect(() => configWith({ EXPLORER_TRACE_URL: 'not a url' })).toThrow();
  });
});
