/**
 * Freezes an object and every object it reaches, cycles included: a principal the app made may
 * hold references back to itself (an entity and its relations). Shared between requests, it
 * must not be changed by one of them.
 */
export function freezeGraph<T extends object>(root: T): T {
  const seen = new WeakSet<object>();
  const stack: object[] = [root];
  while (stack.length > 0) {
    const value = stack.pop()!;
    if (seen.has(value)) continue;
    seen.add(value);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
      const item: unknown = descriptor && 'value' in descriptor ? descriptor.value : undefined;
      if (typeof item === 'object' && item !== null && !seen.has(item)) stack.push(item);
    }
    Object.freeze(value);
  }
  return root;
}
