import { type DynamicModule, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

export const REVOCATION_REDIS = Symbol('REVOCATION_REDIS');

/**
 * The ioredis client of the deny-list when REVOCATION_REDIS_URL is set (null otherwise). The
 * app owns it: it is created here and closed when the app stops, after the auth module has
 * closed the subscriber connection it opened from it.
 */
@Module({})
export class RevocationRedisModule implements OnApplicationShutdown {
  static register(url: string | undefined): DynamicModule {
    return {
      module: RevocationRedisModule,
      providers: [{ provide: REVOCATION_REDIS, useFactory: () => (url ? createClient(url) : null) }],
      exports: [REVOCATION_REDIS],
    };
  }

  constructor(@Inject(REVOCATION_REDIS) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis?.status === 'ready') await this.redis.quit().catch(() => this.redis?.disconnect());
    else this.redis?.disconnect();
  }
}

function createClient(url: string): Redis {
  const redis = new Redis(url);
  const logger = new Logger('RevocationRedis');
  // ioredis retries every few seconds while Redis is down: one line per outage is enough.
  let reported = false;
  redis.on('ready', () => (reported = false));
  redis.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    logger.warn(`Redis client: ${error.message}`);
  });
  return redis;
}
