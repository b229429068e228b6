import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { CognitoHealthIndicator, Public } from 'nestjs-cognito-auth';

@Controller('health')
export class HealthController {
  constructor(
    private readonly healthCheck: HealthCheckService,
    private readonly cognito: CognitoHealthIndicator,
  ) {}

  @Public()
  @Get()
  health() {
    return { status: 'ok' };
  }

  /** 200 with the key sets and the deny-list; 503 when a key set cannot be had or Redis is stale under `refuse`. */
  @Public()
  @Get('auth')
  @HealthCheck()
  auth() {
    return this.healthCheck.check([() => this.cognito.isHealthy('cognito')]);
  }
}
