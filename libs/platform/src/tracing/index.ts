// Light on purpose: each app's src/tracing.ts imports this before anything else.
export { flushTracing, startTracing } from './start-tracing';
export { tracingConfigured } from './tracing-config';
