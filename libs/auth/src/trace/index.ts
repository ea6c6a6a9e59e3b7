export * from './flow-trace';
export { activeTraceId, tracingApi } from './otel';
