import { describe, expect, it } from 'vitest';
import type { CognitoTokenVerifier } from '../../lib/cognito-token.verifier.js';
import type { CognitoAuthenticator } from '../../lib/pipeline/cognito-authenticator.js';
import { authenticatorOf, registerAuthenticator } from '../../lib/pipeline/authenticator-registry.js';

// The registry keys on identity only: plain objects stand for a module's verifier and pipeline.
const verifier = () => ({}) as CognitoTokenVerifier;
const authenticator = () => ({}) as CognitoAuthenticator;

describe('authenticator registry leads a verifier to its own pipeline', () => {
  it('answers the pipeline registered for each verifier', () => {
    const [first, second] = [verifier(), verifier()];
    const [firstPipeline, secondPipeline] = [authenticator(), authenticator()];
    registerAuthenticator(first, firstPipeline);
    registerAuthenticator(second, secondPipeline);
    expect(authenticatorOf(first)).toBe(firstPipeline);
    expect(authenticatorOf(second)).toBe(secondPipeline);
  });

  it('keeps the last pipeline registered for a verifier', () => {
    const one = verifier();
    const latest = authenticator();
    registerAuthenticator(one, authenticator());
    registerAuthenticator(one, latest);
    expect(authenticatorOf(one)).toBe(latest);
  });

  it('refuses a verifier the module did not make, with a TypeError that says so', () => {
    expect(() => authenticatorOf(verifier())).toThrow(
      new TypeError('This CognitoTokenVerifier was not created by CognitoAuthModule'),
    );
  });
});
