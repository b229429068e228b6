import { GroupNotAllowedError, InsufficientScopeError } from '../errors/cognito-auth.errors.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import type { RoutePolicy } from './route-policy.js';

/** Checks the route's rules against a verified user; throws the precise refusal. */
export function authorize(policy: RoutePolicy, user: CognitoUser): void {
  const { groups, scopes } = policy;
  if (groups.length > 0 && !groups.some((group) => user.groups.includes(group))) {
    throw new GroupNotAllowedError(groups);
  }
  if (scopes.length > 0 && !scopes.every((scope) => user.scopes.includes(scope))) {
    throw new InsufficientScopeError(scopes);
  }
}
