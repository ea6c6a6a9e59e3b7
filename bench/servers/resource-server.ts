/**
 * Scenario 2's subject: one handler served twice by a resource server built from libs/auth,
 * once behind the global bearer guard with @Scopes('users:read') and once @Public(), so the
 * difference between the two is the guard's cost.
 */
import { AuthModule, Public, Scopes, ServiceOnly } from '@nest-oauth-m2m/auth';
import { createHttpApp, resourceServerOptionsFromEnv } from '@app/platform';
import { Controller, Get, Module } from '@nestjs/common';

const profile = { id: '7f3c2a9e-1b4d-4c8e-9a6f-a11ce0000001', username: 'alice', display_name: 'Alice Example' };

@Controller('bench')
class BenchController {
  @Get('guarded')
  @ServiceOnly()
  @Scopes('users:read')
  guarded(): typeof profile {
    return profile;
  }

  @Get('public')
  @Public()
  unguarded(): typeof profile {
    return profile;
  }
}

@Module({
  imports: [AuthModule.forRoot(resourceServerOptionsFromEnv('api://user-service', 'bench'))],
  controllers: [BenchController],
})
class BenchResourceServerModule {}

async function main(): Promise<void> {
  const app = await createHttpApp(BenchResourceServerModule, { realm: 'bench', logger: ['error', 'fatal'] });
  await app.listen(Number(process.env.BENCH_PORT), '127.0.0.1');
  process.stdout.write('listening\n');
}

void main().catch((error: Error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
