import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { COGNITO_AUTH_CONFIG } from './cognito-auth.constants.js';
import type { CognitoAuthConfig, ResolvedUserPool } from './cognito-auth.config.js';

/**
 * One line at start-up saying what the app accepts, so that a misconfiguration shows before the
 * first request is refused: the pools, their clients and token use, where their keys come from,
 * the revocation store. Nothing secret: no key material, and a key-set URL without its
 * credentials or query.
 */
@Injectable()
export class CognitoStartupLog implements OnApplicationBootstrap {
  private readonly logger = new Logger('CognitoAuth');

  constructor(@Inject(COGNITO_AUTH_CONFIG) private readonly config: CognitoAuthConfig) {}

  onApplicationBootstrap(): void {
    this.logger.log(describeConfig(this.config));
  }
}

/** `Accepting pool eu-west-1_AbC (…); keys preloaded: off; revocation store: memory`. */
export function describeConfig(config: CognitoAuthConfig): string {
  const pools = [...config.poolsByIssuer.values()].map(describePool);
  const fromResolver = (config as { userPoolResolver?: unknown }).userPoolResolver !== undefined;
  const accepted = [
    ...(pools.length === 0 ? [] : [`${pools.length === 1 ? 'pool' : `${pools.length} pools:`} ${pools.join(', ')}`]),
    ...(fromResolver ? ['the pools the userPools resolver returns'] : []),
  ];
  const parts = [
    `Accepting ${accepted.join(' and ')}`,
    `keys preloaded: ${config.preloadKeys}`,
    `revocation store: ${storeName(config.revocation.store)}`,
  ];
  if (config.fallbackPolicy) parts.push('fallback policy: on');
  if (config.tokenCookie) parts.push(`token cookie: ${config.tokenCookie}`);
  if (config.tokenExtractor) parts.push('token extractor: custom');
  return parts.join('; ');
}

function describePool(pool: ResolvedUserPool): string {
  const tokens =
    pool.tokenUse === 'any' ? 'access and ID tokens' : `${pool.tokenUse === 'id' ? 'ID' : 'access'} tokens`;
  const keys = pool.jwks ? `keys given (${pool.jwks.keys.length})` : `keys from ${withoutSecrets(pool.jwksUri)}`;
  return `${pool.userPoolId} (issuer ${pool.issuer}, clients ${[...pool.clientIds].join(' ')}, ${tokens}, ${keys})`;
}

/** The URL without user info, query or fragment, which may hold credentials. */
function withoutSecrets(uri: string): string {
  const url = new URL(uri);
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** The store's own short name (`memory`, `redis`, …), else its class. */
function storeName(store: object): string {
  const { name } = store as { name?: unknown };
  if (typeof name === 'string' && name !== '') return name;
  const className = store.constructor?.name;
  if (className === 'MemoryRevocationStore') return 'memory';
  if (className === 'RedisRevocationStore') return 'redis';
  return className ?? 'custom';
}
