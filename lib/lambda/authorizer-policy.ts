import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import type { CognitoAuthorizerContext, CognitoAuthorizerPolicy } from './authorizer-events.js';

/** Thrown for an event whose method or route ARN is not an `execute-api` ARN: a set-up mistake, never the client's. */
export class CognitoAuthorizerEventError extends Error {
  override readonly name = 'CognitoAuthorizerEventError';
}

/**
 * Every method and resource of the event's API stage:
 * `arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/*\/*`. The gateway caches an
 * authorizer's answer per identity (the token) and reuses it for other routes of the stage: a
 * policy naming only the first route would refuse the rest for as long as it is cached.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
 */
export function stageWildcardArn(methodArn: unknown): string {
  if (typeof methodArn !== 'string') throw new CognitoAuthorizerEventError('The event has no method or route ARN');
  const parts = methodArn.split(':');
  const [arn, partition, service, region, account] = parts;
  const [api, stage] = parts.slice(5).join(':').split('/');
  if (arn !== 'arn' || !partition || service !== 'execute-api' || !region || !account || !api || !stage) {
    throw new CognitoAuthorizerEventError('The event has no execute-api method or route ARN');
  }
  return `arn:${partition}:execute-api:${region}:${account}:${api}/${stage}/*/*`;
}

export function policyOf(
  principalId: string,
  effect: 'Allow' | 'Deny',
  resource: string,
  context?: CognitoAuthorizerContext,
): CognitoAuthorizerPolicy {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    ...(context ? { context } : {}),
  };
}

/** The user as the gateway can pass it on: flat strings (`$context.authorizer.groups`, …). */
export function contextOf(user: CognitoUser): CognitoAuthorizerContext {
  return {
    sub: user.sub,
    ...(user.username === null ? {} : { username: user.username }),
    clientId: user.clientId,
    tokenUse: user.tokenUse,
    userPoolId: user.userPoolId,
    groups: user.groups.join(','),
    scopes: user.scopes.join(' '),
  };
}
