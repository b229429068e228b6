import type { ModuleRef } from '@nestjs/core';

/**
 * The method by which a guard made outside Nest's injector (the testing kit's
 * `actAsCognitoUser`) receives the app's injector from the module's global guard, so that it
 * applies the app's options and policy classes. Not part of the public API.
 */
export const APP_BINDING = Symbol('CognitoAuthAppBinding');

interface AppBindable {
  [APP_BINDING](moduleRef: ModuleRef): void;
}

export function bindToApp(guard: unknown, moduleRef: ModuleRef): void {
  const bindable = guard as Partial<AppBindable> | null;
  if (typeof bindable?.[APP_BINDING] === 'function') bindable[APP_BINDING](moduleRef);
}
