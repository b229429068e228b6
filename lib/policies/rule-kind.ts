import type { ExecutionContext } from '@nestjs/common';
import { CognitoAuthConfigError } from '../errors/cognito-auth.errors.js';
import type { CognitoPolicy, CognitoRouteTokenUse } from '../interfaces/cognito-authorization.interface.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';

/**
 * What evaluating rules needs besides the user: something that runs custom policies, and what
 * the module knows of its configuration (absent when unknown, e.g. in a hand-made guard).
 */
export interface PolicyRunnerLike {
  /** Returns (or resolves) when the policy allows; throws (rejects) the refusal. */
  run(policy: CognitoPolicy, user: CognitoUser, context: ExecutionContext): void | Promise<void>;
  /** The token kinds at least one configured pool accepts. */
  readonly acceptedTokenUses?: ReadonlySet<CognitoRouteTokenUse>;
  /** Reports, once, a rule that the module's configuration can never satisfy. */
  reportConfigError?(error: CognitoAuthConfigError): void;
}

/**
 * One kind of authorization rule, declared once: where its decorator keeps it, what the
 * decorator and the `fallbackPolicy` field accept, how it is checked and how the OpenAPI
 * document shows it. Every site (route metadata, fallback policy, evaluation, OpenAPI) iterates
 * the table of kinds instead of naming them.
 */
export interface RuleKind<Name extends string = string, Item = unknown> {
  /** The field in `AuthorizationRules`, in the `fallbackPolicy` option and in the authorize event. */
  readonly name: Name;
  /** Where the decorator keeps the items, on the handler or the class. */
  readonly metadataKey: string;
  /** The decorator, as messages name it (`@Groups()`). */
  readonly decorator: string;
  /** The items a decorator's arguments stand for; throws `CognitoAuthConfigError` for none or malformed ones. */
  fromArguments(args: readonly unknown[]): Item[];
  /** The items of the `fallbackPolicy` field; throws `CognitoAuthConfigError` for an empty or malformed one. */
  fromOption(value: unknown): Item[];
  /** Returns when the user passes (a promise only for custom policies); throws the precise refusal. */
  check(
    items: readonly Item[],
    user: CognitoUser,
    context: ExecutionContext,
    runner: PolicyRunnerLike,
  ): void | Promise<void>;
  readonly openApi: {
    /** The operation extension that lists the rule. */
    readonly extension: `x-${string}`;
    /** The response a refusal gets. */
    readonly status: '401' | '403';
    /** The extension's value: the items as JSON. */
    list(items: readonly Item[]): unknown[];
    /** The response description, from the extension's value. */
    describe(listed: readonly unknown[]): string;
  };
}

/** How a rule over a list of names (groups, scopes, pool ids) judges a user, and how OpenAPI says it. */
export interface NamesJudgement {
  passes(names: readonly string[], user: CognitoUser): boolean;
  /** The error a refusal throws. */
  refuse(names: readonly string[]): Error;
  describe(names: readonly string[]): string;
}

/**
 * A kind of rule over a list of non-empty names, refused with 403: the decorator (named after
 * the rule: `userPools` is `@UserPools()`) takes the names as arguments, the `fallbackPolicy`
 * field as an array, and OpenAPI lists them under `extension`.
 */
export function namesRule<Name extends string>(
  name: Name,
  metadataKey: string,
  /** What one argument is, for messages (`group`). */
  noun: string,
  extension: `x-${string}`,
  judgement: NamesJudgement,
): RuleKind<Name, string> {
  const decorator = `@${name[0]!.toUpperCase()}${name.slice(1)}()`;
  return {
    name,
    metadataKey,
    decorator,
    fromArguments: (args) => namesFromArguments(decorator, noun, args),
    fromOption: (value) => namesFromOption(name, value),
    check: (names, user) => {
      if (!judgement.passes(names, user)) throw judgement.refuse(names);
    },
    openApi: {
      extension,
      status: '403',
      list: (names) => [...names],
      describe: (listed) => judgement.describe(listed as string[]),
    },
  };
}

/** Non-empty strings from a decorator's arguments. */
function namesFromArguments(decorator: string, noun: string, args: readonly unknown[]): string[] {
  if (args.length === 0) throw new CognitoAuthConfigError(`${decorator} needs at least one ${noun}`);
  if (args.some((arg) => typeof arg !== 'string' || arg === '')) {
    throw new CognitoAuthConfigError(`${decorator} takes non-empty strings`);
  }
  return [...(args as string[])];
}

/** Non-empty strings from a `fallbackPolicy` field. */
function namesFromOption(field: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new CognitoAuthConfigError(`fallbackPolicy.${field} must be a non-empty array`);
  }
  if (value.some((item) => typeof item !== 'string' || item === '')) {
    throw new CognitoAuthConfigError(`fallbackPolicy.${field} values must be non-empty strings`);
  }
  return [...(value as string[])];
}
