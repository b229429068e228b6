import { COGNITO_OPENAPI_EXTENSION, type CognitoOpenApiInfo } from '../policies/openapi-info.js';

/** `@nestjs/swagger`'s metadata key for operation extensions (`DECORATORS.API_EXTENSION`). */
const SWAGGER_EXTENSION_KEY = 'swagger/apiExtension';
/** `@nestjs/common`'s key that marks a method as a route handler. */
const ROUTE_METHOD_KEY = 'method';

/**
 * Records what a decorator means for the OpenAPI document as an operation extension, without
 * importing `@nestjs/swagger` (an optional peer). On a class it applies to every route handler
 * that has no handler-level `metadataKey` of its own, so the handler's setting wins.
 */
export function describeForOpenApi(info: CognitoOpenApiInfo, metadataKey: string) {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    if (descriptor) {
      mergeExtension(descriptor.value, info);
      return;
    }
    const prototype = (target as { prototype?: object }).prototype ?? {};
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = Object.getOwnPropertyDescriptor(prototype, name)?.value;
      if (typeof handler !== 'function' || name === 'constructor') continue;
      if (Reflect.hasMetadata(ROUTE_METHOD_KEY, handler) && !Reflect.hasOwnMetadata(metadataKey, handler)) {
        mergeExtension(handler, info);
      }
    }
  };
}

function mergeExtension(handler: object, info: CognitoOpenApiInfo): void {
  const extensions = Reflect.getMetadata(SWAGGER_EXTENSION_KEY, handler) ?? {};
  const merged = { ...extensions[COGNITO_OPENAPI_EXTENSION], ...info };
  Reflect.defineMetadata(SWAGGER_EXTENSION_KEY, { ...extensions, [COGNITO_OPENAPI_EXTENSION]: merged }, handler);
}
