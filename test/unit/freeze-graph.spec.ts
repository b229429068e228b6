import { describe, expect, it } from 'vitest';
import { freezeGraph } from '../../lib/identity/freeze-graph.js';

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
