import type { CognitoAuthConfig } from '../cognito-auth.config.js';
import { resolveCognitoAuthConfig } from '../cognito-auth.config.js';
import { CognitoAuthConfigError } from '../errors/cognito-auth.errors.js';
import type { CognitoAuthOptions, CognitoUserPoolOptions } from '../interfaces/cognito-auth-options.interface.js';
import { type AuthorizerRules, readRuleList } from './authorizer-rules.js';

/**
 * Options of `createCognitoAuthorizer`: the module's options that concern a token (pools,
 * checks, keys, cache, revocation, `customCheck`, `tokenCookie`), plus the authorizer's own.
 */
export interface CognitoAuthorizerOptions
  extends
    Partial<CognitoUserPoolOptions>,
    Pick<
      CognitoAuthOptions,
      | 'userPools'
      | 'clockTolerance'
      | 'maxTokenLength'
      | 'customCheck'
      | 'callbackTimeoutMs'
      | 'jwksTimeoutMs'
      | 'jwksRefetchIntervalMs'
      | 'jwksMaxAgeMs'
      | 'preloadKeys'
      | 'tokenCacheMaxEntries'
      | 'revocation'
      | 'tokenCookie'
    > {
  /** Allowed when the user is in any of these groups (`cognito:groups`); otherwise a Deny policy. Default: no group rule. */
  groups?: string[];
  /** Allowed when the token has all of these scopes; otherwise a Deny policy. Default: no scope rule. */
  scopes?: string[];
  /**
   * Answer HTTP API (payload 2.0) events with simple responses (`{ isAuthorized }`), for an
   * authorizer created with `enableSimpleResponses`. REST events always get a policy. Default false.
   */
  simpleResponse?: boolean;
}

/** The module options with no meaning outside a Nest application. */
const NEST_ONLY_OPTIONS = ['globalGuard', 'fallbackPolicy', 'tokenExtractor', 'transformUser'] as const;

export interface ResolvedAuthorizerOptions {
  readonly config: CognitoAuthConfig;
  readonly rules: AuthorizerRules;
  readonly simpleResponse: boolean;
}

export function resolveAuthorizerOptions(options: CognitoAuthorizerOptions): ResolvedAuthorizerOptions {
  if (!options || typeof options !== 'object') {
    throw new CognitoAuthConfigError('createCognitoAuthorizer needs options: { userPoolId, clientId }');
  }
  const { groups, scopes, simpleResponse, ...moduleOptions } = options;
  for (const name of NEST_ONLY_OPTIONS) {
    if (name in moduleOptions) {
      throw new CognitoAuthConfigError(`${name} is an option of the Nest module; a Lambda authorizer does not use it`);
    }
  }
  if (simpleResponse !== undefined && typeof simpleResponse !== 'boolean') {
    throw new CognitoAuthConfigError('simpleResponse must be a boolean');
  }
  return {
    config: resolveCognitoAuthConfig(moduleOptions),
    rules: { groups: readRuleList(groups, 'groups'), scopes: readRuleList(scopes, 'scopes') },
    simpleResponse: simpleResponse ?? false,
  };
}
