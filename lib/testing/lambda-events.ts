/**
 * AWS Lambda events for tests, shaped as API Gateway and an Application Load Balancer send
 * them: a handler under test gets what it gets in AWS, repeated headers and cookies included.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
 */
import { randomUUID } from 'node:crypto';

/** A header sent once per item of an array. */
export type LambdaEventHeaders = Readonly<Record<string, string | readonly string[]>>;

/** What every builder takes; each fills in the rest as AWS would. */
export interface LambdaEventOptions {
  /** Default `GET`. */
  method?: string;
  /** The path, with no query string. Default `/`. */
  path?: string;
  /** Query parameters; an array sends the parameter once per item. */
  query?: Readonly<Record<string, string | readonly string[]>>;
  headers?: LambdaEventHeaders;
  body?: string;
  /** API Gateway: the stage. Default `$default` for HTTP APIs, `prod` for REST APIs. */
  stage?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Default `123456789012`. */
  accountId?: string;
  /** Default `abcdef1234`. */
  apiId?: string;
  /** The client's address. Default `127.0.0.1`. */
  sourceIp?: string;
}

/** Options of the payload 2.0 builders: cookies, which HTTP APIs send apart from the headers. */
export interface LambdaEventV2Options extends LambdaEventOptions {
  /** `name=value` pairs. A `cookie` header's pairs are added to them, as the gateway does. */
  cookies?: readonly string[];
}

/** Options of {@link albEvent}. */
export interface AlbEventOptions extends LambdaEventOptions {
  /** The target group has multi-value headers turned on: then every value of a header is kept. Default false. */
  multiValueHeaders?: boolean;
}

/** Options of {@link authorizerTokenEvent}. */
export interface AuthorizerTokenEventOptions extends Omit<LambdaEventOptions, 'headers' | 'query' | 'body'> {
  /** The identity source's value, usually the whole `Authorization` header (`Bearer …`). */
  authorizationToken?: string;
}

type StringRecord = Record<string, string>;
type StringListRecord = Record<string, string[]>;

/** An API Gateway REST API proxy event (payload version 1.0). */
export interface ApiGatewayV1Event {
  resource: string;
  path: string;
  httpMethod: string;
  headers: StringRecord;
  multiValueHeaders: StringListRecord;
  queryStringParameters: StringRecord | null;
  multiValueQueryStringParameters: StringListRecord | null;
  pathParameters: StringRecord | null;
  stageVariables: StringRecord | null;
  requestContext: ApiGatewayV1RequestContext;
  body: string | null;
  isBase64Encoded: boolean;
}

export interface ApiGatewayV1RequestContext {
  accountId: string;
  apiId: string;
  stage: string;
  protocol: string;
  identity: { sourceIp: string; userAgent: string | null };
  requestId: string;
  requestTime: string;
  requestTimeEpoch: number;
  resourceId: string;
  resourcePath: string;
  httpMethod: string;
  path: string;
  domainName: string;
}

/** What an HTTP API (payload version 2.0) says of a request, to the app and to an authorizer alike. */
export interface ApiGatewayV2Request {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: StringRecord;
  queryStringParameters?: StringRecord;
  requestContext: ApiGatewayV2RequestContext;
}

/** An API Gateway HTTP API event (payload version 2.0). */
export interface ApiGatewayV2Event extends ApiGatewayV2Request {
  body?: string;
  isBase64Encoded: boolean;
}

export interface ApiGatewayV2RequestContext {
  accountId: string;
  apiId: string;
  domainName: string;
  domainPrefix: string;
  http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
  requestId: string;
  routeKey: string;
  stage: string;
  time: string;
  timeEpoch: number;
}

/** An Application Load Balancer event. */
export interface AlbEvent {
  httpMethod: string;
  path: string;
  body: string;
  isBase64Encoded: boolean;
  headers?: StringRecord;
  multiValueHeaders?: StringListRecord;
  queryStringParameters?: StringRecord;
  multiValueQueryStringParameters?: StringListRecord;
  requestContext: { elb: { targetGroupArn: string } };
}

/** A REST API `TOKEN` authorizer event. */
export interface AuthorizerTokenEvent {
  type: 'TOKEN';
  authorizationToken: string;
  methodArn: string;
}

/** A REST API `REQUEST` authorizer event. */
export interface AuthorizerRequestEvent {
  type: 'REQUEST';
  methodArn: string;
  resource: string;
  path: string;
  httpMethod: string;
  headers: StringRecord;
  multiValueHeaders: StringListRecord;
  queryStringParameters: StringRecord;
  multiValueQueryStringParameters: StringListRecord;
  pathParameters: StringRecord;
  stageVariables: StringRecord;
  requestContext: ApiGatewayV1RequestContext;
}

/** An HTTP API authorizer event (payload version 2.0). */
export interface HttpApiAuthorizerEvent extends ApiGatewayV2Request {
  type: 'REQUEST';
  routeArn: string;
  identitySource: string[];
}

const DEFAULTS = { region: 'us-east-1', accountId: '123456789012', apiId: 'abcdef1234', sourceIp: '127.0.0.1' };

/** A REST API proxy event (payload 1.0): one value per header in `headers` (the last), every value in `multiValueHeaders`. */
export function apiGatewayV1Event(options: LambdaEventOptions = {}): ApiGatewayV1Event {
  const { headers, multiValueHeaders } = singleAndMultiValueHeaders(options.headers);
  const query = singleAndMultiValue(options.query);
  return {
    resource: '/{proxy+}',
    path: pathOf(options),
    httpMethod: methodOf(options),
    headers,
    multiValueHeaders,
    queryStringParameters: query ? query.single : null,
    multiValueQueryStringParameters: query ? query.multi : null,
    pathParameters: { proxy: pathOf(options).slice(1) },
    stageVariables: null,
    requestContext: restRequestContext(options, headers),
    body: options.body ?? null,
    isBase64Encoded: false,
  };
}

/**
 * An HTTP API event (payload 2.0): header names in lower case, repeated headers joined with
 * commas, cookies in `cookies` (a `cookie` header's pairs included), repeated query parameters
 * joined with commas.
 */
export function apiGatewayV2Event(options: LambdaEventV2Options = {}): ApiGatewayV2Event {
  const { headers, cookies } = httpApiHeaders(options);
  const query = singleAndMultiValue(options.query);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: pathOf(options),
    rawQueryString: rawQueryString(options.query),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: joinValues(query.multi) } : {}),
    requestContext: httpApiRequestContext(options, headers),
    ...(options.body === undefined ? {} : { body: options.body }),
    isBase64Encoded: false,
  };
}

/**
 * An Application Load Balancer event: header names in lower case, the last value of a repeated
 * header in `headers`, or every value in `multiValueHeaders` when the target group asks for them.
 */
export function albEvent(options: AlbEventOptions = {}): AlbEvent {
  const lowerCased = lowerCaseNames(options.headers);
  const { headers, multiValueHeaders } = singleAndMultiValueHeaders(lowerCased);
  const query = singleAndMultiValue(options.query);
  const common = {
    httpMethod: methodOf(options),
    path: pathOf(options),
    body: options.body ?? '',
    isBase64Encoded: false,
    requestContext: {
      elb: {
        targetGroupArn: `arn:aws:elasticloadbalancing:${regionOf(options)}:${accountOf(options)}:targetgroup/lambda/0123456789abcdef`,
      },
    },
  };
  if (options.multiValueHeaders) {
    return { ...common, multiValueHeaders, multiValueQueryStringParameters: query?.multi ?? {} };
  }
  return { ...common, headers, queryStringParameters: query?.single ?? {} };
}

/** A REST API `TOKEN` authorizer event for a request to `method` `path`. */
export function authorizerTokenEvent(options: AuthorizerTokenEventOptions = {}): AuthorizerTokenEvent {
  return {
    type: 'TOKEN',
    authorizationToken: options.authorizationToken ?? '',
    methodArn: executeApiArn(options, stageOf(options, 'prod')),
  };
}

/** A REST API `REQUEST` authorizer event: the request's headers (single and multi-value) and query. */
export function authorizerRequestEvent(options: LambdaEventOptions = {}): AuthorizerRequestEvent {
  const proxy = apiGatewayV1Event(options);
  return {
    type: 'REQUEST',
    methodArn: executeApiArn(options, proxy.requestContext.stage),
    resource: proxy.resource,
    path: proxy.path,
    httpMethod: proxy.httpMethod,
    headers: proxy.headers,
    multiValueHeaders: proxy.multiValueHeaders,
    queryStringParameters: proxy.queryStringParameters ?? {},
    multiValueQueryStringParameters: proxy.multiValueQueryStringParameters ?? {},
    pathParameters: proxy.pathParameters ?? {},
    stageVariables: {},
    requestContext: proxy.requestContext,
  };
}

/** An HTTP API authorizer event (payload 2.0), with the `Authorization` header as its identity source. */
export function httpApiAuthorizerEvent(options: LambdaEventV2Options = {}): HttpApiAuthorizerEvent {
  const request = apiGatewayV2Event(options);
  const authorization = request.headers.authorization;
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: executeApiArn(options, request.requestContext.stage),
    identitySource: authorization === undefined ? [] : [authorization],
    routeKey: request.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
    ...(request.cookies ? { cookies: request.cookies } : {}),
    headers: request.headers,
    ...(request.queryStringParameters ? { queryStringParameters: request.queryStringParameters } : {}),
    requestContext: request.requestContext,
  };
}

function methodOf(options: LambdaEventOptions): string {
  return (options.method ?? 'GET').toUpperCase();
}

function pathOf(options: LambdaEventOptions): string {
  return options.path ?? '/';
}

function regionOf(options: LambdaEventOptions): string {
  return options.region ?? DEFAULTS.region;
}

function accountOf(options: LambdaEventOptions): string {
  return options.accountId ?? DEFAULTS.accountId;
}

function stageOf(options: LambdaEventOptions, fallback: string): string {
  return options.stage ?? fallback;
}

/** `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<method>/<path without its first slash>`. */
function executeApiArn(options: LambdaEventOptions, stage: string): string {
  const apiId = options.apiId ?? DEFAULTS.apiId;
  return `arn:aws:execute-api:${regionOf(options)}:${accountOf(options)}:${apiId}/${stage}/${methodOf(options)}${pathOf(options)}`;
}

/** What every API Gateway request context says of the API: its account, id and domain, and the time. */
function apiOf(options: LambdaEventOptions) {
  const apiId = options.apiId ?? DEFAULTS.apiId;
  const domainName = `${apiId}.execute-api.${regionOf(options)}.amazonaws.com`;
  return { now: Date.now(), api: { accountId: accountOf(options), apiId, domainName } };
}

function restRequestContext(options: LambdaEventOptions, headers: StringRecord): ApiGatewayV1RequestContext {
  const { now, api } = apiOf(options);
  return {
    ...api,
    stage: stageOf(options, 'prod'),
    protocol: 'HTTP/1.1',
    identity: { sourceIp: options.sourceIp ?? DEFAULTS.sourceIp, userAgent: headerOf(headers, 'user-agent') ?? null },
    requestId: requestId(),
    requestTime: new Date(now).toUTCString(),
    requestTimeEpoch: now,
    resourceId: 'abc123',
    resourcePath: '/{proxy+}',
    httpMethod: methodOf(options),
    path: `/${stageOf(options, 'prod')}${pathOf(options)}`,
  };
}

function httpApiRequestContext(options: LambdaEventOptions, headers: StringRecord): ApiGatewayV2RequestContext {
  const { now, api } = apiOf(options);
  return {
    ...api,
    domainPrefix: api.apiId,
    http: {
      method: methodOf(options),
      path: pathOf(options),
      protocol: 'HTTP/1.1',
      sourceIp: options.sourceIp ?? DEFAULTS.sourceIp,
      userAgent: headers['user-agent'] ?? '',
    },
    requestId: requestId(),
    routeKey: '$default',
    stage: stageOf(options, '$default'),
    time: new Date(now).toUTCString(),
    timeEpoch: now,
  };
}

/** Payload 2.0 headers: lower-case names, repeated values joined with commas, cookies apart. */
function httpApiHeaders(options: LambdaEventV2Options): { headers: StringRecord; cookies: string[] } {
  const headers: StringRecord = {};
  const cookies = [...(options.cookies ?? [])];
  for (const [name, values] of Object.entries(lowerCaseNames(options.headers))) {
    if (name === 'cookie') {
      for (const line of values) cookies.push(...line.split(/;\s*/).filter(Boolean));
    } else {
      headers[name] = values.join(',');
    }
  }
  return { headers, cookies };
}

function lowerCaseNames(headers: LambdaEventHeaders = {}): Record<string, string[]> {
  const lowerCased: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    lowerCased[key] = [...(lowerCased[key] ?? []), ...listOf(value)];
  }
  return lowerCased;
}

function singleAndMultiValueHeaders(headers: LambdaEventHeaders = {}): {
  headers: StringRecord;
  multiValueHeaders: StringListRecord;
} {
  const both = singleAndMultiValue(headers);
  return { headers: both?.single ?? {}, multiValueHeaders: both?.multi ?? {} };
}

/** The last value of each name, and every value; undefined when there are none. */
function singleAndMultiValue(
  values: Readonly<Record<string, string | readonly string[]>> | undefined,
): { single: StringRecord; multi: StringListRecord } | undefined {
  if (values === undefined || Object.keys(values).length === 0) return undefined;
  const single: StringRecord = {};
  const multi: StringListRecord = {};
  for (const [name, value] of Object.entries(values)) {
    const list = listOf(value);
    if (list.length === 0) continue;
    multi[name] = list;
    single[name] = list[list.length - 1];
  }
  return { single, multi };
}

function joinValues(values: StringListRecord): StringRecord {
  return Object.fromEntries(Object.entries(values).map(([name, list]) => [name, list.join(',')]));
}

function rawQueryString(query: LambdaEventOptions['query']): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    for (const item of listOf(value)) search.append(name, item);
  }
  return search.toString();
}

function headerOf(headers: StringRecord, lowerCaseName: string): string | undefined {
  const name = Object.keys(headers).find((key) => key.toLowerCase() === lowerCaseName);
  return name === undefined ? undefined : headers[name];
}

function listOf(value: string | readonly string[]): string[] {
  return typeof value === 'string' ? [value] : [...value];
}

function requestId(): string {
  return randomUUID();
}

/** The invocation context a Lambda handler gets as its second argument (the fields AWS documents). */
export interface LambdaContext {
  callbackWaitsForEmptyEventLoop: boolean;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  getRemainingTimeInMillis(): number;
  done(error?: Error, result?: unknown): void;
  fail(error: Error | string): void;
  succeed(message: unknown): void;
}

/** Options of {@link lambdaContext}. */
export interface LambdaContextOptions {
  /** Default `handler`. */
  functionName?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Default `123456789012`. */
  accountId?: string;
  /** The invocation's time limit, counted from this call. Default 30000 ms. */
  timeoutMs?: number;
}

/** A Lambda invocation context with a new request id. */
export function lambdaContext(options: LambdaContextOptions = {}): LambdaContext {
  const functionName = options.functionName ?? 'handler';
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const region = options.region ?? DEFAULTS.region;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${options.accountId ?? DEFAULTS.accountId}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${requestId().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
