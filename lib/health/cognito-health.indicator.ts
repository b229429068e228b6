import { Inject, Injectable } from '@nestjs/common';
import { COGNITO_AUTH_CONFIG } from '../cognito-auth.constants.js';
import type { CognitoAuthConfig } from '../cognito-auth.config.js';
import { CognitoJwksService, type KeySetState } from '../jwks/cognito-jwks.service.js';
import { CognitoRevocationService } from '../revocation/cognito-revocation.service.js';

/** What the health check says of the module, under the key given to `isHealthy`. */
export interface CognitoHealthDetails {
  /** `down` when a pool has no keys after a failed download, or the deny-list is stale under `failurePolicy: 'refuse'`. */
  readonly status: 'up' | 'down';
  /** One entry per pool. */
  readonly keySets: readonly KeySetState[];
  readonly revocation: {
    /** Where the deny-list lives: `memory`, `redis`, or a custom store's name. */
    readonly store: string;
    /** Whether the list is known to be complete (false while Redis is unreachable or being reloaded). */
    readonly current: boolean;
  };
}

/** `{ [key]: details }`: the shape of a `@nestjs/terminus` health indicator's result. */
export type CognitoHealthResult<Key extends string = 'cognito'> = { [K in Key]: CognitoHealthDetails };

/**
 * The module's health, in the shape `@nestjs/terminus` takes (this class does not import it):
 *
 * ```ts
 * this.health.check([() => this.cognito.isHealthy('cognito')])
 * ```
 *
 * Down when requests cannot be authenticated for a reason the app should be told about: a pool
 * whose last key-set download failed and that has no keys to fall back on, or, with
 * `revocation.failurePolicy: 'refuse'`, a deny-list that may be stale (Redis unreachable: every
 * request gets 503 until it is back). Cached keys kept through a failed download, and a stale list under
 * the default `last-known` policy, keep serving: the check stays up and shows them.
 */
@Injectable()
export class CognitoHealthIndicator {
  constructor(
    @Inject(COGNITO_AUTH_CONFIG) private readonly config: CognitoAuthConfig,
    private readonly jwks: CognitoJwksService,
    private readonly revocation: CognitoRevocationService,
  ) {}

  isHealthy<Key extends string = 'cognito'>(key: Key = 'cognito' as Key): Promise<CognitoHealthResult<Key>> {
    const keySets = this.jwks.keySetStates();
    const { store, current } = this.revocation.storeState;
    const revocation = { store, current };
    const keysDown = keySets.some((keySet) => keySet.keys === 0 && keySet.lastError !== null);
    const revocationDown = this.config.revocation.failurePolicy === 'refuse' && !current;
    const details: CognitoHealthDetails = { status: keysDown || revocationDown ? 'down' : 'up', keySets, revocation };
    return Promise.resolve({ [key]: details } as CognitoHealthResult<Key>);
  }
}
