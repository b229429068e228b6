import type { INestApplicationContext } from '@nestjs/common';
import type { DocumentBuilder, OpenAPIObject } from '@nestjs/swagger';
import { COGNITO_AUTH_CONFIG } from '../cognito-auth.constants.js';
import type { CognitoAuthorizationRules } from '../interfaces/cognito-authorization.interface.js';
import {
  type AuthorizationRules,
  NO_RULES,
  openApiInfoOf,
  resolveFallbackPolicy,
} from '../policies/authorization-rules.js';
import { COGNITO_OPENAPI_EXTENSION, type CognitoOpenApiInfo } from '../policies/openapi-info.js';
import { RULE_LIST } from '../policies/rule-kinds.js';
import { COGNITO_SECURITY_SCHEME, isCognitoOnly } from './scheme-names.js';

export { COGNITO_SECURITY_SCHEME } from './scheme-names.js';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Declares the Cognito bearer scheme once on a `DocumentBuilder`. */
export function addCognitoBearerAuth(builder: DocumentBuilder): DocumentBuilder {
  return builder.addBearerAuth(
    { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Amazon Cognito access token' },
    COGNITO_SECURITY_SCHEME,
  );
}

export interface ApplyCognitoSecurityOptions {
  /**
   * The running app: the module's `fallbackPolicy` is read from it, so the policy is written
   * once. An explicit `fallbackPolicy` below wins over it.
   */
  app?: INestApplicationContext;
  /** Operations without `@Public()` are protected (true when the global guard is on, the default). */
  protectedByDefault?: boolean;
  /** The module's `fallbackPolicy` option: operations with no rule of their own then show its rules. */
  fallbackPolicy?: CognitoAuthorizationRules;
}

/**
 * Makes the document say what the guard does: protected operations require the bearer scheme,
 * with a 401, and for each rule (`@Groups`, `@Scopes`, `@TokenUse`, `@UserPools`, `@Policy`, …)
 * an `x-…` extension that lists it and the response that refuses it (a 403, or the 401 for
 * `@TokenUse`); `@Public()` ones get no Cognito scheme. Requirements a route declared itself
 * (or inherits from the document) are kept: the bearer scheme is added next to them, never in
 * their place.
 */
export function applyCognitoSecurity(
  document: OpenAPIObject,
  { app, protectedByDefault = true, fallbackPolicy }: ApplyCognitoSecurityOptions = {},
): OpenAPIObject {
  const rules = fallbackPolicy === undefined ? fallbackOf(app) : resolveFallbackPolicy(fallbackPolicy);
  const fallback = openApiInfoOf(rules ?? NO_RULES);
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (operation) describeOperation(operation as OperationLike, protectedByDefault, document.security, fallback);
    }
  }
  return document;
}

/** The validated `fallbackPolicy` of the app's `CognitoAuthModule`, wherever the module was imported. */
function fallbackOf(app: INestApplicationContext | undefined): AuthorizationRules | undefined {
  if (!app) return undefined;
  let config: { readonly fallbackPolicy?: AuthorizationRules } | undefined;
  try {
    config = app.get(COGNITO_AUTH_CONFIG, { strict: false });
  } catch {
    throw new Error('applyCognitoSecurity: the app given as { app } does not import CognitoAuthModule');
  }
  return config?.fallbackPolicy;
}

type SecurityRequirement = Record<string, string[]>;

interface OperationLike {
  security?: SecurityRequirement[];
  responses: Record<string, unknown>;
  [extension: string]: unknown;
}

const UNAUTHORIZED = 'Missing or invalid bearer token';

function describeOperation(
  operation: OperationLike,
  protectedByDefault: boolean,
  documentSecurity: SecurityRequirement[] | undefined,
  fallback: CognitoOpenApiInfo,
): void {
  const declared = (operation[COGNITO_OPENAPI_EXTENSION] ?? {}) as CognitoOpenApiInfo;
  // Any rule of its own replaces the fallback policy, as in the guard.
  const info = RULE_LIST.some((kind) => declared[kind.name]?.length) ? declared : { ...declared, ...fallback };
  delete operation[COGNITO_OPENAPI_EXTENSION];
  const isProtected = info.public === undefined ? protectedByDefault : !info.public;
  // The list written below replaces the document-wide one for this operation: start from what applied.
  const own = operation.security ?? documentSecurity ?? [];
  if (!isProtected) {
    operation.security = own.filter((requirement) => !isCognitoOnly(requirement));
    return;
  }
  operation.security = requiresCognito(own) ? [...own] : [...own, { [COGNITO_SECURITY_SCHEME]: [] }];
  const refusals: Record<'401' | '403', string[]> = { '401': [UNAUTHORIZED], '403': [] };
  for (const kind of RULE_LIST) {
    const listed = info[kind.name];
    if (!listed?.length) continue;
    operation[kind.openApi.extension] = listed;
    refusals[kind.openApi.status].push(kind.openApi.describe(listed));
  }
  operation.responses['401'] ??= { description: refusals['401'].join('; ') };
  if (refusals['403'].length > 0) operation.responses['403'] ??= { description: refusals['403'].join('; ') };
}

function requiresCognito(requirements: SecurityRequirement[]): boolean {
  return requirements.some((requirement) => COGNITO_SECURITY_SCHEME in requirement);
}
