import { Public } from '@nest-oauth-m2m/auth';
import { Controller, Get, HttpStatus, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorFunction, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { ApiResponse, SchemaObject } from '../api-docs/openapi-decorators';
import { JwksHealthIndicator } from './jwks.health';
import { RedisHealthIndicator } from './redis.health';

const DATABASE_PING_TIMEOUT_MS = 1_500;

const checkDetails: SchemaObject = { type: 'object', additionalProperties: { type: 'object', properties: { status: { type: 'string' } } } };
const healthCheckResult = (status: string): SchemaObject => ({
  type: 'object',
  properties: { status: { type: 'string', example: status }, info: checkDetails, error: checkDetails, details: checkDetails },
});

/**
 * Probes, public like every probe. live: the process answers (restart it if not). ready: it can
 * serve, i.e. its database answers, resource servers can verify tokens (JWKS), Redis answers when
 * configured; 503 with terminus' details otherwise (take it out of the load balancer).
 */
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly jwks: JwksHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  // terminus' own documentation would load @nestjs/swagger at start (openapi-decorators.ts says why it waits).
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiResponse({ status: 200, description: 'every check is up', schema: healthCheckResult('ok') })
  @ApiResponse({ status: 503, description: 'a check is down: which one, and why', schema: healthCheckResult('error') })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [() => this.database.pingCheck('database', { timeout: DATABASE_PING_TIMEOUT_MS })];
    if (this.jwks.applies) checks.push(() => this.jwks.check('jwks'));
    if (this.redis.configured) checks.push(() => this.redis.pingCheck('redis'));
    try {
      return await this.health.check(checks);
    } catch (error) {
      // terminus' own body (which check failed and why), not the OAuth error shape used elsewhere.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      reply.status(HttpStatus.SERVICE_UNAVAILABLE);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
