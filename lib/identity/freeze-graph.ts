/**
 * Freezes an object and every object it reaches, cycles included: a principal the app made may
 * hold references back to itself (an entity and its relations). Shared between requests, it
 * must not be changed by one of them.
 *
 * `Object.freeze` does not reach the contents of a `Date`, `Set` or `Map`, so each of those is
 * replaced by a read-only copy: an instance of a subclass (`instanceof` still holds) whose
 * mutators throw a `TypeError`, as writing to a frozen object does in strict mode. Binary data
 * (`ArrayBuffer`, typed arrays, `DataView`) and weak collections cannot be made read-only at
 * all: a principal holding one is refused with a `TypeError`. Private class fields (`#field`)
 * are out of reach: an object is as read-only as its methods keep it.
 */
export function freezeGraph<T extends object>(root: T): T {
  return new GraphFreezer().freeze(root);
}

/** Thrown for a principal that cannot be made read-only; its message names the kind of object. */
export class UnfreezableObjectError extends TypeError {
  override readonly name = 'UnfreezableObjectError';
}

class GraphFreezer {
  /** Each object reached, and what stands for it in the frozen graph (itself, or its read-only copy). */
  private readonly versions = new Map<object, object>();
  /** Objects whose contents are still to be frozen, with their read-only version. */
  private readonly pending: Array<[original: object, version: object]> = [];

  freeze<T extends object>(root: T): T {
    const version = this.versionOf(root);
    while (this.pending.length > 0) {
      const [original, readOnly] = this.pending.pop()!;
      this.freezeContents(original, readOnly);
    }
    return version as T;
  }

  /** What stands for `value` in the frozen graph; its contents are frozen later. */
  private versionOf(value: object): object {
    let version = this.versions.get(value);
    if (version !== undefined) return version;
    version = readOnlyShellOf(value);
    this.versions.set(value, version);
    this.pending.push([value, version]);
    return version;
  }

  private freezeContents(original: object, version: object): void {
    if (original instanceof Set) {
      for (const member of original) SET_ADD.call(version, this.versionOfItem(member));
    } else if (original instanceof Map) {
      for (const [key, value] of original) MAP_SET.call(version, this.versionOfItem(key), this.versionOfItem(value));
    } else if (!(original instanceof Date)) {
      this.replaceProperties(original);
    }
    Object.freeze(version);
  }

  /** Points the object's data properties at the read-only versions of what they hold. */
  private replaceProperties(value: object): void {
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
      if (!descriptor || !('value' in descriptor)) continue;
      const item: unknown = descriptor.value;
      const version = this.versionOfItem(item);
      if (version === item) continue;
      if (!Reflect.defineProperty(value, key, { ...descriptor, value: version })) {
        throw new UnfreezableObjectError(
          `a read-only ${kindOf(item)} cannot replace a property that is already frozen`,
        );
      }
    }
  }

  private versionOfItem(item: unknown): unknown {
    return typeof item === 'object' && item !== null ? this.versionOf(item) : item;
  }
}

const SET_ADD = Set.prototype.add;
const MAP_SET = Map.prototype.set;

/** The object itself, or an empty read-only copy of a `Set`/`Map`, or a read-only copy of a `Date`. */
function readOnlyShellOf(value: object): object {
  if (value instanceof Date) return new ReadOnlyDate(value.getTime());
  if (value instanceof Set) return new ReadOnlySet();
  if (value instanceof Map) return new ReadOnlyMap();
  if (holdsUnfreezableState(value)) throw new UnfreezableObjectError(`a ${kindOf(value)} cannot be made read-only`);
  return value;
}

/** Binary data and weak collections: their contents change whatever `Object.freeze` does. */
function holdsUnfreezableState(value: object): boolean {
  return (
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer) ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof WeakRef
  );
}

function kindOf(value: unknown): string {
  return (value as object)?.constructor?.name ?? 'object';
}

/** Makes `methods` of `type`'s prototype throw, as writing to a frozen object does in strict mode. */
function refuseMutators(type: { prototype: object }, kind: string, methods: readonly string[]): void {
  for (const method of methods) {
    Object.defineProperty(type.prototype, method, {
      value: () => {
        throw new TypeError(`Cannot ${method}() on a ${kind} of a frozen principal`);
      },
    });
  }
}

/** A `Date` whose setters throw. */
class ReadOnlyDate extends Date {}
/** A `Set` whose `add`, `delete` and `clear` throw. */
class ReadOnlySet<T> extends Set<T> {}
/** A `Map` whose `set`, `delete` and `clear` throw. */
class ReadOnlyMap<K, V> extends Map<K, V> {}

refuseMutators(
  ReadOnlyDate,
  'Date',
  Object.getOwnPropertyNames(Date.prototype).filter((name) => name.startsWith('set')),
);
refuseMutators(ReadOnlySet, 'Set', ['add', 'delete', 'clear']);
refuseMutators(ReadOnlyMap, 'Map', ['set', 'delete', 'clear']);
