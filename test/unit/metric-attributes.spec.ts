import { describe, expect, it } from 'vitest';
import type { CognitoAuthenticateEvent } from '../../lib/events/cognito-channels.js';
import { MetricAttributeSets } from '../../lib/observability/metric-attributes.js';

const POOL = 'eu-west-1_AbCdEf123';

const cachedSuccess = (overrides: Partial<CognitoAuthenticateEvent> = {}): CognitoAuthenticateEvent => ({
  result: 'success',
  status: 200,
  cacheHit: true,
  transport: 'http',
  userPoolId: POOL,
  tokenUse: 'access',
  durationMs: 0.002,
  ...overrides,
});

describe('one frozen attribute set per combination of values, reused for every event that maps to it', () => {
  it('gives the same frozen object for events that differ only in what is not an attribute', () => {
    const sets = new MetricAttributeSets([POOL]);
    const first = sets.authenticate(cachedSuccess());
    expect(sets.authenticate(cachedSuccess({ durationMs: 0.5, tokenUse: 'id' }))).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual({
      'cognito_auth.result': 'success',
      'http.response.status_code': 200,
      'cognito_auth.token_cache.result': 'hit',
      'cognito_auth.transport': 'http',
      'cognito_auth.user_pool.id': POOL,
    });
  });

  it('gives another set for each attribute that differs, and the same one for values that both map to other', () => {
    const sets = new MetricAttributeSets([POOL]);
    const hit = sets.authenticate(cachedSuccess());
    const miss = sets.authenticate(cachedSuccess({ cacheHit: false }));
    const ws = sets.authenticate(cachedSuccess({ transport: 'ws' }));
    expect(new Set([hit, miss, ws]).size).toBe(3);
    expect(miss['cognito_auth.token_cache.result']).toBe('miss');
    const unknown = sets.authenticate(cachedSuccess({ transport: 'pigeon' as never }));
    expect(sets.authenticate(cachedSuccess({ transport: 'smoke-signal' as never }))).toBe(unknown);
    expect(unknown['cognito_auth.transport']).toBe('other');
  });

  it('names a rule in snake case whether the event spells it as the rule is named or already in snake case', () => {
    const sets = new MetricAttributeSets([POOL]);
    const named = sets.authorize({ result: 'denied', rule: 'allGroups', status: 403 });
    expect(sets.authorize({ result: 'denied', rule: 'all_groups', status: 403 })).toBe(named);
    expect(named).toEqual({
      'cognito_auth.authorization.result': 'denied',
      'cognito_auth.authorization.rule': 'all_groups',
    });
    for (const rule of ['AllGroups', 'all_Groups', 'allgroups', 'toString', '']) {
      expect(sets.authorize({ result: 'allowed', rule, status: 200 })['cognito_auth.authorization.rule']).toBe('other');
    }
  });

  it('keeps a key-set download set without error.type on success', () => {
    const sets = new MetricAttributeSets([POOL]);
    const download = { userPoolId: POOL, trigger: 'cold', durationMs: 12, keyCount: 2 } as const;
    expect(sets.jwks({ ...download, result: 'success', errorType: 'timeout' })).toEqual({
      'cognito_auth.user_pool.id': POOL,
      'cognito_auth.jwks.trigger': 'cold',
      'cognito_auth.jwks.result': 'success',
    });
    expect(sets.jwks({ ...download, result: 'failure', errorType: 'timeout' })['error.type']).toBe('timeout');
  });
});
