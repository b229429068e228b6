import type { DocumentBuilder, OpenAPIObject } from '@nestjs/swagger';
import { COGNITO_OPENAPI_EXTENSION, type CognitoOpenApiInfo } from '../decorators/openapi-extension.js';
import {
  type CognitoAuthorizationRules,
  NO_RULES,
  openApiInfoOf,
  resolveFallbackPolicy,
} from '../policies/authorization-rules.js';
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
  /** Operations without `@Public()` are protected (true when the global guard is on, the default). */
  protectedByDefault?: boolean;
  /** The module's `fallbackPolicy` option: operations with no rule of their own then show its rules. */
  fallbackPolicy?: CognitoAuthorizationRules;
}

/**
 * Makes the document say what the guard does: protected operations require the bearer scheme
 * (with 401, and 403 plus an `x-…` extension naming each rule: `@Groups`, `@AllGroups`,
 * `@NotGroups`, `@Scopes`, `@RequireClaim`, `@Policy`), `@Public()` ones no Cognito scheme.
 * Requirements a route declared itself (or inherits from the document) are kept: the bearer
 * scheme is added next to them, never in their place.
 */
export function applyCognitoSecurity(
  document: OpenAPIObject,
  { protectedByDefault = true, fallbackPolicy }: ApplyCognitoSecurityOptions = {},
): OpenAPIObject {
  const fallback = openApiInfoOf(resolveFallbackPolicy(fallbackPolicy) ?? NO_RULES);
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (operation) describeOperation(operation as OperationLike, protectedByDefault, document.security, fallback);
    }
  }
  return document;
}

type SecurityRequirement = Record<string, string[]>;

type Rule = Exclude<keyof CognitoOpenApiInfo, 'public'>;
/** Any of these makes the operation's rules its own, replacing the fallback policy. */
const RULES: readonly Rule[] = ['groups', 'allGroups', 'notGroups', 'scopes', 'claims', 'policies'];
/** The rules besides groups and scopes: the extension that names each, and its 403 description. */
const MORE_RULES: ReadonlyArray<[Rule, string, string]> = [
  ['allGroups', 'x-required-all-groups', 'Requires membership of all the groups in x-required-all-groups'],
  ['notGroups', 'x-excluded-groups', 'Refused to members of the groups in x-excluded-groups'],
  ['claims', 'x-required-claims', 'Requires the claims in x-required-claims'],
  ['policies', 'x-policies', 'Requires every policy in x-policies to allow the request'],
];

interface OperationLike {
  security?: SecurityRequirement[];
  responses: Record<string, unknown>;
  [extension: string]: unknown;
}

function describeOperation(
  operation: OperationLike,
  protectedByDefault: boolean,
  documentSecurity: SecurityRequirement[] | undefined,
  fallback: CognitoOpenApiInfo,
): void {
  const declared = (operation[COGNITO_OPENAPI_EXTENSION] ?? {}) as CognitoOpenApiInfo;
  const info = RULES.some((rule) => declared[rule]?.length) ? declared : { ...declared, ...fallback };
  delete operation[COGNITO_OPENAPI_EXTENSION];
  const isProtected = info.public === undefined ? protectedByDefault : !info.public;
  // The list written below replaces the document-wide one for this operation: start from what applied.
  const own = operation.security ?? documentSecurity ?? [];
  if (!isProtected) {
    operation.security = own.filter((requirement) => !isCognitoOnly(requirement));
    return;
  }
  operation.security = requiresCognito(own) ? [...own] : [...own, { [COGNITO_SECURITY_SCHEME]: [] }];
  operation.responses['401'] ??= { description: 'Missing or invalid bearer token' };
  if (info.groups?.length) {
    operation['x-required-groups'] = info.groups;
    operation.responses['403'] ??= {
      description: `Requires membership of one of the groups: ${info.groups.join(', ')}`,
    };
  }
  if (info.scopes?.length) {
    operation['x-required-scopes'] = info.scopes;
    operation.responses['403'] ??= { description: `Requires the scopes: ${info.scopes.join(' ')}` };
  }
  for (const [rule, extension, description] of MORE_RULES) {
    if (!info[rule]?.length) continue;
    operation[extension] = info[rule];
    operation.responses['403'] ??= { description };
  }
}

function requiresCognito(requirements: SecurityRequirement[]): boolean {
  return requirements.some((requirement) => COGNITO_SECURITY_SCHEME in requirement);
}
