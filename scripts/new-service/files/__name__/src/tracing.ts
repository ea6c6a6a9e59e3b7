// Imported first by main.ts: with OTEL_* set (README, Tracing) the OpenTelemetry SDK must hook http,
// pg, ioredis and Fastify before anything loads them. With tracing off this loads nothing more.
import { startTracing } from '@app/platform/tracing';

startTracing('__name__');
