import type { RuleKind } from '../policies/rule-kind.js';
import { describeForOpenApi } from './openapi-extension.js';

/**
 * The decorator of one kind of rule: it adds the items its arguments stand for to the list under
 * the kind's metadata key on its own target (the handler or the class). Stacking decorators of
 * one kind is the same as writing all their arguments in one; a list on a handler still
 * replaces its class's list of the same kind. The whole list is described for OpenAPI each
 * time, so the document names every rule whatever the stacking order.
 */
export function ruleDecorator<Item>(
  kind: RuleKind<string, Item>,
  args: readonly unknown[],
): ClassDecorator & MethodDecorator {
  const items = kind.fromArguments(args);
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder = descriptor ? descriptor.value : target;
    const own: Item[] = Reflect.getOwnMetadata(kind.metadataKey, holder) ?? [];
    // Decorators run bottom-up: put these first to keep the order they are written in.
    const all = [...items, ...own];
    Reflect.defineMetadata(kind.metadataKey, all, holder);
    describeForOpenApi({ [kind.name]: kind.openApi.list(all) }, kind.metadataKey)(target, key, descriptor);
  }) as ClassDecorator & MethodDecorator;
}
