import type { ExecutionContext } from '@nestjs/common';
import { toAnswer } from '../errors/failure-answer.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import { authorizeChannel, type CognitoAuthorizeEvent } from '../observability/cognito-channels.js';
import type { AuthorizationRules } from './authorization-rules.js';
import type { PolicyRunnerLike } from './rule-kind.js';
import { RULE_LIST } from './rule-kinds.js';

export type { PolicyRunnerLike } from './rule-kind.js';

/**
 * Checks a verified user against rules, kind after kind in the table's order, and throws the
 * precise refusal. The result is a promise only when a custom policy returns one. Each decision
 * is published on the `authorize` diagnostics channel, with the kind of rule that decided.
 */
export function authorize(
  rules: AuthorizationRules,
  user: CognitoUser,
  context: ExecutionContext,
  runner: PolicyRunnerLike,
): void | Promise<void> {
  return checkFrom(0, 'none', rules, user, context, runner);
}

function checkFrom(
  from: number,
  decided: string,
  rules: AuthorizationRules,
  user: CognitoUser,
  context: ExecutionContext,
  runner: PolicyRunnerLike,
): void | Promise<void> {
  for (let index = from; index < RULE_LIST.length; index++) {
    const kind = RULE_LIST[index]!;
    const items = rules[kind.name];
    if (items.length === 0) continue;
    decided = kind.name;
    let pending: void | Promise<void>;
    try {
      pending = kind.check(items, user, context, runner);
    } catch (refusal) {
      throw denied(decided, refusal);
    }
    if (pending) {
      const rule = decided;
      return pending.then(
        () => checkFrom(index + 1, rule, rules, user, context, runner),
        (refusal: unknown) => {
          throw denied(rule, refusal);
        },
      );
    }
  }
  if (authorizeChannel.hasSubscribers) publish({ result: 'allowed', rule: decided, status: 200 });
  return undefined;
}

function denied(rule: string, refusal: unknown): unknown {
  if (authorizeChannel.hasSubscribers) publish({ result: 'denied', rule, status: toAnswer(refusal).status });
  return refusal;
}

function publish(event: CognitoAuthorizeEvent): void {
  authorizeChannel.publish(event);
}
