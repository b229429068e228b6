import { describe, expect, it } from 'vitest';
import type { ResolvedUserPool } from '../../lib/cognito-auth.config.js';
import type { CognitoJwtPayload } from '../../lib/interfaces/cognito-jwt.interface.js';
import { createCognitoUser } from '../../lib/token/create-cognito-user.js';

const pool = { userPoolId: 'eu-west-1_Pool', issuer: 'https://issuer.example/eu-west-1_Pool' } as ResolvedUserPool;
const base = { iss: pool.issuer, sub: 'user-1', token_use: 'access', exp: 2_000_000_000, client_id: 'client-a' };
const build = (claims: Record<string, unknown>, clientId = 'client-a') =>
  createCognitoUser(JSON.parse(JSON.stringify({ ...base, ...claims })) as CognitoJwtPayload, pool, clientId);

describe('the user object', () => {
  it('has the claims and the derived fields', () => {
    const user = build({ username: 'alice', 'cognito:groups': ['admin'], scope: 'a  b', email: 'a@example.com' });
    expect(user).toMatchObject({
      sub: 'user-1',
      username: 'alice',
      clientId: 'client-a',
      tokenUse: 'access',
      groups: ['admin'],
      scopes: ['a', 'b'],
      userPoolId: pool.userPoolId,
      issuer: pool.issuer,
      email: 'a@example.com',
    });
    expect(user.claims.username).toBe('alice');
  });

  it('reads cognito:username for ID tokens and gives null without any username (machine tokens)', () => {
    expect(build({ token_use: 'id', 'cognito:username': 'bob' }).username).toBe('bob');
    expect(build({}).username).toBeNull();
    expect(build({}).groups).toEqual([]);
    expect(build({}).scopes).toEqual([]);
  });

  it('takes clientId from the configured client that matched, not from the claims', () => {
    expect(build({ token_use: 'id', aud: ['1234', 'client-b'], client_id: 'evil' }, 'client-b').clientId).toBe(
      'client-b',
    );
  });
});

describe('the user object is deeply frozen', () => {
  it('refuses changes to its fields, arrays and raw claims', () => {
    const user = build({ 'cognito:groups': ['staff'], scope: 'read', nested: { list: [1] } }) as any;
    expect(Object.isFrozen(user)).toBe(true);
    expect(() => user.groups.push('admin')).toThrow(TypeError);
    expect(() => user.scopes.push('write')).toThrow(TypeError);
    expect(() => (user.username = 'mallory')).toThrow(TypeError);
    expect(() => user.claims['cognito:groups'].push('admin')).toThrow(TypeError);
    expect(() => user.nested.list.push(2)).toThrow(TypeError);
    expect(user.groups).toEqual(['staff']);
  });
});

describe('claims cannot change the shape of the user object', () => {
  it('a "__proto__" claim never becomes the prototype', () => {
    const user = build({}) as any;
    const hostile = createCognitoUser(
      JSON.parse(
        `{"iss":"${pool.issuer}","sub":"s","token_use":"access","exp":2000000000,"__proto__":{"isAdmin":true,"email":"x@y"}}`,
      ),
      pool,
      'client-a',
    ) as any;
    expect(Object.getPrototypeOf(hostile)).toBe(Object.prototype);
    expect(hostile.isAdmin).toBeUndefined();
    expect(hostile.email).toBeUndefined();
    expect(Object.getPrototypeOf(user)).toBe(Object.prototype);
  });

  it('"constructor" and "prototype" claims stay in claims only', () => {
    const user = build({ constructor: 'x', prototype: { a: 1 } }) as any;
    expect(user.constructor).toBe(Object);
    expect(Object.hasOwn(user, 'prototype')).toBe(false);
    expect(user.claims.constructor).toBe('x');
  });

  it.each(['clientId', 'tokenUse', 'groups', 'scopes', 'userPoolId', 'issuer', 'claims'])(
    'a claim named %s does not override the derived field',
    (field) => {
      const user = build({ [field]: 'from-the-token' }) as any;
      expect(user[field]).not.toBe('from-the-token');
    },
  );
});
