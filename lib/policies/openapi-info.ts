import type { RuleName } from './rule-kinds.js';

/** The operation extension in which decorators leave what they mean, for `applyCognitoSecurity()`. */
export const COGNITO_OPENAPI_EXTENSION = 'x-cognito-auth';

/** What a route's decorators mean for the OpenAPI document: `@Public()`, and each kind's list as JSON. */
export type CognitoOpenApiInfo = { public?: boolean } & { [Name in RuleName]?: unknown[] };
