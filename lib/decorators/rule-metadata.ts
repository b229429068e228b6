import { type CognitoOpenApiInfo, describeForOpenApi } from './openapi-extension.js';

/**
 * A decorator that adds `items` to the list under `metadataKey` on its own target (the handler
 * or the class), so that stacking it keeps every rule instead of the last one; a list on a
 * handler still replaces its class's list of the same kind. The whole list is described for
 * OpenAPI each time, so the document names every rule whatever the stacking order.
 */
export function appendRule<T>(
  metadataKey: string,
  items: readonly T[],
  describe: (all: T[]) => CognitoOpenApiInfo,
): ClassDecorator & MethodDecorator {
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder = descriptor ? descriptor.value : target;
    const own: T[] = Reflect.getOwnMetadata(metadataKey, holder) ?? [];
    // Decorators run bottom-up: put these first to keep the order they are written in.
    const all = [...items, ...own];
    Reflect.defineMetadata(metadataKey, all, holder);
    describeForOpenApi(describe(all), metadataKey)(target, key, descriptor);
  }) as ClassDecorator & MethodDecorator;
}
