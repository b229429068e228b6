/**
 * The API Gateway Lambda authorizer events and answers, as far as the authorizer reads and
 * writes them. Declared here so that the package needs no `@types/aws-lambda`; the shapes are
 * those of AWS's documentation, and `@types/aws-lambda`'s types are assignable to them.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
 */

/** A REST API `TOKEN` authorizer event: the identity source's value (the `Authorization` header). */
export interface CognitoTokenAuthorizerEvent {
  readonly type: 'TOKEN';
  readonly methodArn: string;
  readonly authorizationToken?: string | null;
}

/** A REST API `REQUEST` authorizer event (an HTTP API sends the same with payload version 1.0). */
export interface CognitoRequestAuthorizerEvent {
  readonly type: 'REQUEST';
  readonly version?: string;
  readonly methodArn: string;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[] | undefined>> | null;
}

/** An HTTP API authorizer event, payload version 2.0: repeated headers joined with commas, cookies apart. */
export interface CognitoHttpApiAuthorizerEvent {
  readonly type: 'REQUEST';
  /** `2.0`. */
  readonly version: string;
  readonly routeArn: string;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly cookies?: readonly string[] | null;
}

export type CognitoAuthorizerEvent =
  CognitoTokenAuthorizerEvent | CognitoRequestAuthorizerEvent | CognitoHttpApiAuthorizerEvent;

/** What the gateway passes on to the integration: strings, numbers and booleans only. */
export interface CognitoAuthorizerContext {
  readonly [key: string]: string | number | boolean;
  readonly sub: string;
  readonly clientId: string;
  readonly tokenUse: 'access' | 'id';
  readonly userPoolId: string;
  /** `cognito:groups` joined with commas; empty when none. */
  readonly groups: string;
  /** The token's scopes joined with spaces, as in its `scope` claim; empty when none. */
  readonly scopes: string;
}

/** An IAM policy answer (REST APIs, and HTTP APIs without simple responses). */
export interface CognitoAuthorizerPolicy {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: Array<{ Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string }>;
  };
  context?: CognitoAuthorizerContext;
}

/** An HTTP API simple answer (`enableSimpleResponses`). */
export interface CognitoAuthorizerSimpleResult {
  isAuthorized: boolean;
  context?: CognitoAuthorizerContext;
}

export type CognitoAuthorizerResult = CognitoAuthorizerPolicy | CognitoAuthorizerSimpleResult;
