import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { FormParams } from './form-params';

/**
 * The request's form body as FormParams: read and checked once per request and kept on it, so the
 * client-authentication guard and the handler share one parse.
 */
export const Form = createParamDecorator(
  (_data: unknown, context: ExecutionContext): FormParams => FormParams.of(context.switchToHttp().getRequest<FastifyRequest>()),
);
