import { Logger } from '@nestjs/common';
import { VerifiedTokenCache } from '../cache/verified-token.cache.js';
import type { CognitoAuthConfig } from '../cognito-auth.config.js';
import { CognitoTokenVerifier } from '../cognito-token.verifier.js';
import { CognitoJwksService } from '../jwks/cognito-jwks.service.js';
import { CognitoRevocationService } from '../revocation/cognito-revocation.service.js';

/** The module's verifier and the services behind it, wired by hand: no Nest application, no `@nestjs/core`. */
export interface StandaloneVerifier {
  readonly verifier: CognitoTokenVerifier;
  readonly cache: VerifiedTokenCache;
  /**
   * Settles once the start-up work is done: the revocation list loaded, and with `preloadKeys`
   * the key sets downloaded. Rejects only under `preloadKeys: 'required'` when a download failed.
   */
  readonly ready: Promise<void>;
}

/** Builds what `CognitoAuthModule` builds, and starts what it starts when the application boots. */
export function createStandaloneVerifier(config: CognitoAuthConfig): StandaloneVerifier {
  const cache = new VerifiedTokenCache(config);
  const jwks = new CognitoJwksService(config);
  const revocations = new CognitoRevocationService(config);
  const verifier = new CognitoTokenVerifier(config, jwks, cache, revocations);
  const ready = Promise.all([jwks.onModuleInit(), startRevocations(revocations)]).then(() => undefined);
  return { verifier, cache, ready };
}

/** An unreachable Redis does not stop the authorizer: the store logs, and its failure policy decides. */
async function startRevocations(revocations: CognitoRevocationService): Promise<void> {
  try {
    await revocations.onModuleInit();
  } catch (error) {
    new Logger('CognitoAuth').warn(`The revocation list could not be loaded: ${(error as Error).message}`);
  }
}
