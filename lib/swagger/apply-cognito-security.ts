import type { DocumentBuilder, OpenAPIObject } from '@nestjs/swagger';
import { COGNITO_OPENAPI_EXTENSION, type CognitoOpenApiInfo } from '../decorators/openapi-extension.js';

/** Name of the bearer security scheme in the OpenAPI document. */
export const COGNITO_SECURITY_SCHEME = 'cognito';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Declares the Cognito bearer scheme once on a `DocumentBuilder`. */
export function addCognitoBearerAuth(builder: DocumentBuilder): DocumentBuilder {
  return builder.addBearerAuth(
    { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Amazon Cognito access token' },
    COGNITO_SECURITY_SCHEME,
  );
}

export interface ApplyCognitoSecurityOptions {
  /** Operations without `@Public()` are protected (true when the global guard is on, the default). */
  protectedByDefault?: boolean;
}

/**
 * Makes the document say what the guard does: protected operations require the bearer scheme
 * (with 401, and 403 when `@Groups`/`@Scopes` apply), `@Public()` ones have `security: []`.
 */
export function applyCognitoSecurity(
  document: OpenAPIObject,
  { protectedByDefault = true }: ApplyCognitoSecurityOptions = {},
): OpenAPIObject {
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (operation) describeOperation(operation as OperationLike, protectedByDefault);
    }
  }
  return document;
}

interface OperationLike {
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
  [extension: string]: unknown;
}

function describeOperation(operation: OperationLike, protectedByDefault: boolean): void {
  const info = (operation[COGNITO_OPENAPI_EXTENSION] ?? {}) as CognitoOpenApiInfo;
  delete operation[COGNITO_OPENAPI_EXTENSION];
  const isProtected = info.public === undefined ? protectedByDefault : !info.public;
  if (!isProtected) {
    operation.security = [];
    return;
  }
  operation.security = [{ [COGNITO_SECURITY_SCHEME]: [] }];
  operation.responses['401'] ??= { description: 'Missing or invalid bearer token' };
  if (info.groups?.length) {
    operation['x-required-groups'] = info.groups;
    operation.responses['403'] ??= { description: `Requires membership of one of the groups: ${info.groups.join(', ')}` };
  }
  if (info.scopes?.length) {
    operation['x-required-scopes'] = info.scopes;
    operation.responses['403'] ??= { description: `Requires the scopes: ${info.scopes.join(' ')}` };
  }
}
