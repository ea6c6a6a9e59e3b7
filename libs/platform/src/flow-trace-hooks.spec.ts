import { flowTraceEnabled } from './flow-trace-hooks';

describe('flowTraceEnabled', () => {
  it('is never on in production, even when asked for', () => {
    expect(flowTraceEnabled({ NODE_ENV: 'production' })).toBe(false);
    expect(flowTraceEnabled({ NODE_ENV: 'production', FLOW_TRACE: 'true' })).toBe(false);
  });

  it('is on elsewhere unless FLOW_TRACE=false', () => {
    expect(flowTraceEnabled({ NODE_ENV: 'development' })).toBe(true);
    expect(flowTraceEnabled({ NODE_ENV: 'test', FLOW_TRACE: 'false' })).toBe(false);
  });
});
