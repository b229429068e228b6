import type { ExecutionContext } from '@nestjs/common';
import { toAnswer } from '../errors/failure-answer.js';
import type { CognitoUser } from '../interfaces/cognito-user.interface.js';
import type { CognitoAuthorizeEvent } from '../events/cognito-channels.js';
import { CHANNELS_ONLY, type EventOutlet } from '../events/cognito-events.js';
import { type ActiveRule, activeRulesOf, type AuthorizationRules } from './authorization-rules.js';
import type { PolicyRunnerLike } from './rule-kind.js';

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
  events: EventOutlet<CognitoAuthorizeEvent> = CHANNELS_ONLY.authorize,
): void | Promise<void> {
  return checkFrom(activeRulesOf(rules), 0, user, context, { runner, events });
}

/** What every kind of rule of one decision shares: the policy runner, and where the decision is published. */
interface Deciding {
  readonly runner: PolicyRunnerLike;
  readonly events: EventOutlet<CognitoAuthorizeEvent>;
}

function checkFrom(
  active: readonly ActiveRule[],
  from: number,
  user: CognitoUser,
  context: ExecutionContext,
  deciding: Deciding,
): void | Promise<void> {
  let index = from;
  try {
    for (; index < active.length; index++) {
      const { kind, items } = active[index]!;
      const pending = kind.check(items, user, context, deciding.runner);
      if (pending) return checkAfter(pending, active, index, user, context, deciding);
    }
  } catch (refusal) {
    throw denied(active[index]!.kind.name, refusal, deciding.events);
  }
  if (deciding.events.observed) {
    deciding.events.publish({ result: 'allowed', rule: active.at(-1)?.kind.name ?? 'none', status: 200 });
  }
  return undefined;
}

/** The rest of the kinds, once the one at `index` allowed. */
function checkAfter(
  pending: Promise<void>,
  active: readonly ActiveRule[],
  index: number,
  user: CognitoUser,
  context: ExecutionContext,
  deciding: Deciding,
): Promise<void> {
  return pending.then(
    () => checkFrom(active, index + 1, user, context, deciding),
    (refusal: unknown) => {
      throw denied(active[index]!.kind.name, refusal, deciding.events);
    },
  );
}

function denied(rule: string, refusal: unknown, events: EventOutlet<CognitoAuthorizeEvent>): unknown {
  if (events.observed) events.publish({ result: 'denied', rule, status: toAnswer(refusal).status });
  return refusal;
}
