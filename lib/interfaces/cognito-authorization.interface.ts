import type { ExecutionContext, Type } from '@nestjs/common';
import type { CognitoUser } from './cognito-user.interface.js';

/**
 * A custom policy as a function: return (or resolve to) `true` to allow the request. Anything
 * else refuses it with 403. The context gives the request (`context.switchToHttp().getRequest()`,
 * resolver arguments in GraphQL, the client and data in WebSocket handlers).
 */
export type CognitoPolicyFunction = (user: CognitoUser, context: ExecutionContext) => boolean | Promise<boolean>;

/**
 * A custom policy as an injectable class, for checks that need services (a repository to tell
 * whether an order is the user's). `@Policy(OrderOwnerPolicy)` takes the app's provider when
 * the class is one, or creates it once in the module of the controller (or resolver, gateway).
 */
export interface CognitoPolicyHandler {
  /** `true` (or a promise of it) allows the request; anything else refuses it with 403. */
  handle(user: CognitoUser, context: ExecutionContext): boolean | Promise<boolean>;
}

/** What `@Policy()` and the `policies` of `fallbackPolicy` accept. */
export type CognitoPolicy = CognitoPolicyFunction | Type<CognitoPolicyHandler> | CognitoPolicyHandler;

/** The kind of token a route takes (`@TokenUse`). */
export type CognitoRouteTokenUse = 'access' | 'id';

/**
 * The `fallbackPolicy` option: the rules of routes that have none of their own. Each field is
 * the option form of a decorator; a route with any rule decorator (on its handler or class) or
 * `@Public()` does not use it.
 *
 * @example fallbackPolicy: { groups: ['staff'], notGroups: ['suspended'] }
 */
export interface CognitoAuthorizationRules {
  /** Like `@TokenUse(...)`: only this kind of token. */
  tokenUse?: CognitoRouteTokenUse;
  /** Like `@UserPools(...)`: only tokens of one of these pools. */
  userPools?: string[];
  /** Like `@Groups(...)`: in at least one of them. */
  groups?: string[];
  /** Like `@AllGroups(...)`: in every one of them. */
  allGroups?: string[];
  /** Like `@NotGroups(...)`: in none of them. */
  notGroups?: string[];
  /** Like `@RequireClaim(...)`: claim name → accepted values, or `true` for "present". */
  claims?: Record<string, true | Array<string | number | boolean>>;
  /** Like `@Scopes(...)`: every one of them. */
  scopes?: string[];
  /** Like `@Policy(...)`: functions or injectable classes, all of which must allow. */
  policies?: CognitoPolicy[];
}
