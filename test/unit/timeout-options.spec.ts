import { CognitoAuthConfigError, type CognitoAuthOptions } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { resolveCognitoAuthConfig } from '../../lib/cognito-auth.config.js';

const POOL = { userPoolId: 'eu-west-1_AbCdEf123', clientId: 'client-1' } as const;
const LONGEST_TIMER_MS = 2 ** 31 - 1;
const TIME_LIMITS = [
  'jwksTimeoutMs',
  'callbackTimeoutMs',
  'transformUserTimeoutMs',
  'userPoolResolveTimeoutMs',
] as const;

/** One pool, or a resolver for the resolver's own option. */
const baseOf = (name: string): Partial<CognitoAuthOptions> =>
  name === 'userPoolResolveTimeoutMs' ? { userPools: () => null } : POOL;

const resolve = (name: string, value: number) => () =>
  resolveCognitoAuthConfig({ ...baseOf(name), [name]: value } as CognitoAuthOptions);

describe('time limits are refused at start-up beyond what a timer keeps', () => {
  it.each(TIME_LIMITS)('%s: 2^31 ms and more are refused (a timer would fire after 1 ms)', (name) => {
    for (const value of [2 ** 31, Number.MAX_SAFE_INTEGER]) {
      expect(resolve(name, value)).toThrow(CognitoAuthConfigError);
      expect(resolve(name, value)).toThrow(`${name} must be at most ${LONGEST_TIMER_MS}`);
    }
  });

  it.each(TIME_LIMITS)('%s: the longest delay a timer keeps is accepted', (name) => {
    expect(resolve(name, LONGEST_TIMER_MS)).not.toThrow();
  });
});
