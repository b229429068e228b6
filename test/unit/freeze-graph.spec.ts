import { describe, expect, it } from 'vitest';
import { freezeGraph, UnfreezableObjectError } from '../../lib/identity/freeze-graph.js';

describe('freezeGraph freezes everything a principal reaches', () => {
  it('ends on an object that refers to itself', () => {
    const node: any = { name: 'self' };
    node.self = node;
    expect(freezeGraph(node)).toBe(node);
    expect(Object.isFrozen(node)).toBe(true);
  });

  it('ends on a cycle through several objects and freezes each of them', () => {
    const a: any = { name: 'a' };
    const b: any = { name: 'b', a };
    const c: any = { name: 'c', b };
    a.c = c;
    freezeGraph(a);
    for (const value of [a, b, c]) expect(Object.isFrozen(value)).toBe(true);
    expect(() => {
      b.name = 'changed';
    }).toThrow(TypeError);
  });

  it('freezes an object shared by two branches, and objects under symbol and non-enumerable keys', () => {
    const shared = { tag: 'shared' };
    const hidden = { secret: true };
    const tagged = Symbol('tagged');
    const root: any = { left: { shared }, right: { shared }, [tagged]: { deep: {} } };
    Object.defineProperty(root, 'hidden', { value: hidden, enumerable: false });
    freezeGraph(root);
    for (const value of [root.left, root.right, shared, hidden, root[tagged], root[tagged].deep]) {
      expect(Object.isFrozen(value)).toBe(true);
    }
  });

  it('does not call getters, so a lazy relation is not loaded', () => {
    let calls = 0;
    const root = {
      get relation() {
        calls += 1;
        return { loaded: true };
      },
    };
    freezeGraph(root);
    expect(calls).toBe(0);
    expect(Object.isFrozen(root)).toBe(true);
  });

  it('leaves primitives alone and accepts an object already frozen', () => {
    const frozen = Object.freeze({ inner: { count: 1 }, label: 'x', when: 3n });
    expect(freezeGraph(frozen)).toBe(frozen);
    expect(Object.isFrozen(frozen.inner)).toBe(true);
  });
});

describe('freezeGraph makes the contents of a Date, a Set and a Map read-only', () => {
  it('replaces each by a read-only copy of the same kind, with the same contents, shared where the original was', () => {
    const member = { name: 'member' };
    const since = new Date(0);
    const root: any = { since, again: since, roles: new Set(['user', member]), limits: new Map([['seats', { n: 1 }]]) };
    const frozen = freezeGraph(root);
    expect(frozen).toBe(root);
    expect(root.since).not.toBe(since);
    expect(root.since).toBeInstanceOf(Date);
    expect(root.since.getTime()).toBe(0);
    expect(root.again).toBe(root.since);
    expect(root.roles).toBeInstanceOf(Set);
    expect([...root.roles]).toEqual(['user', member]);
    expect(Object.isFrozen(member)).toBe(true);
    expect(root.limits).toBeInstanceOf(Map);
    expect(Object.isFrozen(root.limits.get('seats'))).toBe(true);
  });

  it.each([
    ['Date', (root: any) => root.since.setUTCFullYear(1999)],
    ['Set add', (root: any) => root.roles.add('admin')],
    ['Set delete', (root: any) => root.roles.delete('user')],
    ['Set clear', (root: any) => root.roles.clear()],
    ['Map set', (root: any) => root.limits.set('seats', 999)],
    ['Map delete', (root: any) => root.limits.delete('seats')],
    ['Map clear', (root: any) => root.limits.clear()],
  ])('%s throws a TypeError and changes nothing', (_name, change) => {
    const root: any = freezeGraph({ since: new Date(0), roles: new Set(['user']), limits: new Map([['seats', 1]]) });
    expect(() => change(root)).toThrow(TypeError);
    expect({ since: root.since.getTime(), roles: [...root.roles], limits: [...root.limits] }).toEqual({
      since: 0,
      roles: ['user'],
      limits: [['seats', 1]],
    });
  });

  it('copies a Date, a Set or a Map given as the principal itself, and Dates inside arrays', () => {
    expect([...freezeGraph(new Set([1]))]).toEqual([1]);
    expect(() => freezeGraph(new Set([1])).add(2)).toThrow(TypeError);
    const list = freezeGraph([new Date(5)]);
    expect(() => list[0].setTime(6)).toThrow(TypeError);
  });

  it.each([
    ['a Uint8Array', () => new Uint8Array([1])],
    ['a Buffer', () => Buffer.from('x')],
    ['an ArrayBuffer', () => new ArrayBuffer(1)],
    ['a DataView', () => new DataView(new ArrayBuffer(1))],
    ['a WeakMap', () => new WeakMap()],
  ])('refuses %s, which cannot be made read-only', (_name, make) => {
    expect(() => freezeGraph({ nested: { value: make() } })).toThrow(UnfreezableObjectError);
  });

  it('refuses a Date under a property the app already froze', () => {
    const root = Object.freeze({ since: new Date(0) });
    expect(() => freezeGraph(root)).toThrow(UnfreezableObjectError);
  });
});
