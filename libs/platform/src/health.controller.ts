import { Public } from '@app/auth';
import { Controller, Get } from '@nestjs/common';

/** Liveness: the process answers. Public, like every probe. */
@Controller('health')
export class HealthController {
  @Get('live')
  @Public()
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
