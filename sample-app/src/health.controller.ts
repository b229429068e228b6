import { Controller, Get } from '@nestjs/common';
import { Public } from 'nestjs-cognito-auth';

@Controller('health')
export class HealthController {
  @Public()
  @Get()
  health() {
    return { status: 'ok' };
  }
}
