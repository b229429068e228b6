import type { CognitoTokenVerifier } from '../cognito-token.verifier.js';
import type { CognitoAuthenticator } from './cognito-authenticator.js';

/**
 * The authentication pipeline of each verifier: the exported verifier is what apps and guard
 * subclasses hold (`cognitoHandshake(verifier)`, `super(reflector, verifier)`), and it leads to
 * its module's pipeline without making the pipeline part of its public surface.
 */
const authenticators = new WeakMap<CognitoTokenVerifier, CognitoAuthenticator>();

export function registerAuthenticator(verifier: CognitoTokenVerifier, authenticator: CognitoAuthenticator): void {
  authenticators.set(verifier, authenticator);
}

/** The pipeline behind a verifier; throws when the verifier was not made by `CognitoAuthModule`. */
export function authenticatorOf(verifier: CognitoTokenVerifier): CognitoAuthenticator {
  const authenticator = authenticators.get(verifier);
  if (!authenticator) {
    throw new TypeError('This CognitoTokenVerifier was not created by CognitoAuthModule');
  }
  return authenticator;
}
