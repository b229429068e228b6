import { Logger } from '@nestjs/common';
import { VerifiedTokenCache } from '../cache/verified-token.cache.js';
import type { CognitoAuthConfig } from '../cognito-auth.config.js';
import { CognitoJwksService } from '../jwks/cognito-jwks.service.js';
import { UserPoolDirectory } from '../pools/user-pool-directory.js';
import { CognitoRevocationService } from '../revocation/cognito-revocation.service.js';
import { TokenChecker } from '../verification/token-checker.js';

/** The module's token checks and the services behind them, wired by hand: no Nest application, no `@nestjs/core`. */
export interface StandaloneVerifier {
  /** What `CognitoTokenVerifier.verify` runs: cache, checks, key, signature, revocation, custom check. */
  readonly checker: TokenChecker;
  /**
   * Settles once the start-up work is done: the revocation list loaded, and with `preloadKeys`
   * the key sets downloaded. Rejects only under `preloadKeys: 'required'` when a download failed.
   */
  readonly ready: Promise<void>;
}

/** Builds what `CognitoAuthModule` builds for token checks, and starts what it starts when the application boots. */
export function createStandaloneVerifier(config: CognitoAuthConfig): StandaloneVerifier {
  const jwks = new CognitoJwksService(config);
  const revocations = new CognitoRevocationService(config);
  const pools = new UserPoolDirectory(config, jwks);
  const checker = new TokenChecker(config, jwks, new VerifiedTokenCache(config), revocations, pools);
  const ready = Promise.all([jwks.onModuleInit(), startRevocations(revocations)]).then(() => undefined);
  return { checker, ready };
}

/** An unreachable Redis does not stop the authorizer: the store logs, and its failure policy decides. */
async function startRevocations(revocations: CognitoRevocationService): Promise<void> {
  try {
    await revocations.onModuleInit();
  } catch (error) {
    new Logger('CognitoAuth').warn(`The revocation list could not be loaded: ${(error as Error).message}`);
  }
}
