import { createHttpApp, HttpAppOptions } from '@app/platform';
import { callingServiceAppOptions } from '@app/platform/service';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { __Name__Module } from './__name__.module';

const DESCRIPTION = "The signed-in user's profile (user tokens for api://__name__), fetched from user-service.";

export function create__Name__(options: Partial<HttpAppOptions> = {}): Promise<NestFastifyApplication> {
  // __name__ calls user-service and the auth-server: its request ids go along.
  return createHttpApp(__Name__Module, { ...callingServiceAppOptions('__name__', DESCRIPTION), ...options });
}
