/**
 * The route rules on every path that has handlers: `@TokenUse`, `@Groups`, `@AllGroups`,
 * `@Scopes`, `@RequireClaim` and `@Policy` admit and refuse alike on a REST route, the same app
 * invoked as a Lambda function, a GraphQL field over HTTP and over graphql-ws, and a socket.io
 * message, each refusal in the path's own form: the status and `WWW-Authenticate` challenge over
 * HTTP, the code and status in a GraphQL error's extensions, the status and error code of a
 * socket error. Each path publishes its decision on the `authorize` diagnostics channel, naming
 * the kind of rule. One app per adapter; real clients, the kit's real JWKS server.
 */
import {
  AllGroups,
  COGNITO_AUTH_CHANNELS,
  type CognitoAuthorizeEvent,
  CognitoAuthModule,
  Groups,
  Policy,
  RequireClaim,
  Scopes,
  TokenUse,
} from 'nestjs-cognito-auth';
import type { Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { graphqlWsModule } from './support/graphql-ws-client.js';
import { bearer, get } from './support/http.js';
import { useKit, useSocketClients } from './support/kit-app.js';
import { getViaLambda, operationOutcome, useAppOnEveryAdapter, useGraphqlWsConnections } from './support/paths-app.js';
import { graphql } from './support/policy-e2e.js';
import { okController, okGateway, trueResolver, type HandlerRules } from './support/rule-handlers.js';
import { ask } from './support/socket-client.js';
import { ADAPTERS, type RunningApp } from './support/test-app.js';
import { useChannelEvents } from './support/channel-events.js';

/** One handler per rule, named alike on every path (a route, a field, a message). */
const RULES: Record<string, HandlerRules> = {
  tokenUseId: [TokenUse('id')],
  anyGroup: [Groups('admin')],
  allGroups: [AllGroups('admin', 'ops')],
  scopes: [Scopes('orders/read')],
  claim: [RequireClaim('custom:tenant', 'acme')],
  policy: [Policy((user) => user.sub === 'owner')],
};

/** How a path refuses: the status everywhere, then each form's own detail. */
interface Refusal {
  /** The kind of rule the `authorize` event names. */
  readonly rule: string;
  readonly status: number;
  /** `WWW-Authenticate` over HTTP (REST and Lambda). */
  readonly challenge?: string;
  /** The GraphQL error's `extensions.code`. */
  readonly graphqlCode: string;
  /** The socket error's `error`. */
  readonly socketError: string;
}

const forbidden = (rule: string): Refusal => ({
  rule,
  status: 403,
  graphqlCode: 'FORBIDDEN',
  socketError: 'forbidden',
});

const kit = useKit();
const CASES: ReadonlyArray<[rule: string, admitted: () => string, refused: () => string, refusal: Refusal]> = [
  [
    'tokenUseId',
    () => kit.idToken(),
    () => kit.accessToken(),
    {
      rule: 'tokenUse',
      status: 401,
      challenge: 'Bearer error="invalid_token", error_description="This route takes id tokens only"',
      graphqlCode: 'UNAUTHENTICATED',
      socketError: 'invalid_token',
    },
  ],
  ['anyGroup', () => kit.accessToken({ 'cognito:groups': ['admin'] }), () => kit.accessToken(), forbidden('groups')],
  [
    'allGroups',
    () => kit.accessToken({ 'cognito:groups': ['admin', 'ops'] }),
    () => kit.accessToken({ 'cognito:groups': ['admin'] }),
    forbidden('allGroups'),
  ],
  [
    'scopes',
    () => kit.accessToken({ scope: 'orders/read openid' }),
    () => kit.accessToken({ scope: 'openid' }),
    {
      rule: 'scopes',
      status: 403,
      challenge: 'Bearer error="insufficient_scope", scope="orders/read"',
      graphqlCode: 'FORBIDDEN',
      socketError: 'insufficient_scope',
    },
  ],
  [
    'claim',
    () => kit.accessToken({ 'custom:tenant': 'acme' }),
    () => kit.accessToken({ 'custom:tenant': 'globex' }),
    forbidden('claims'),
  ],
  ['policy', () => kit.accessToken({ sub: 'owner' }), () => kit.accessToken({ sub: 'someone' }), forbidden('policies')],
];

const apps = useAppOnEveryAdapter((adapter) => ({
  imports: [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), tokenUse: 'any' }), graphqlWsModule(adapter)],
  controllers: [okController('rules', RULES)],
  providers: [trueResolver(RULES), okGateway('/rules', RULES)],
}));
const sockets = useSocketClients();
const decisions = useChannelEvents<CognitoAuthorizeEvent>(COGNITO_AUTH_CHANNELS.authorize);
const openGraphqlWs = useGraphqlWsConnections();

/** What each path answers for `rule` with `token`, in a form comparable across paths. */
async function answersOf(app: RunningApp, rule: string, token: string) {
  const overHttp = (res: { status: number; headers: Record<string, unknown> }) => ({
    status: res.status,
    challenge: res.headers['www-authenticate'],
  });
  const rest = overHttp(await get(`${app.url}/rules/${rule}`, bearer(token)));
  const lambda = overHttp(await getViaLambda(app, `/rules/${rule}`, bearer(token)));

  const fromGraphql = (outcome: Record<string, any>) =>
    outcome.error ? { status: outcome.error.status, code: outcome.error.code } : { status: 200, data: outcome.data };
  const graphqlOverHttp = fromGraphql(operationOutcome([await graphql(app, `{ ${rule} }`, token)]));
  const ws = await openGraphqlWs(app.url, token);
  const graphqlWs = fromGraphql(operationOutcome(await ws.run(`{ ${rule} }`)));

  const socket: Socket = await sockets.connect(`${app.url}/rules`, { auth: { token } });
  const reply = await ask(socket, rule);
  const message =
    'exception' in reply ? { status: reply.exception.status, error: reply.exception.error } : { status: 200 };
  return { rest, lambda, graphqlOverHttp, graphqlWs, message };
}

describe.each(CASES)(
  '%s: one verdict on every path, each refusal in its own form, each decision published',
  (rule, admitted, refused, refusal) => {
    it.each(ADAPTERS)('%s', async (adapter) => {
      const app = apps[adapter];
      const admittedAnswers = await answersOf(app, rule, admitted());
      expect(admittedAnswers).toEqual({
        rest: { status: 200, challenge: undefined },
        lambda: { status: 200, challenge: undefined },
        graphqlOverHttp: { status: 200, data: { [rule]: true } },
        graphqlWs: { status: 200, data: { [rule]: true } },
        message: { status: 200 },
      });
      const onePerPath = (event: CognitoAuthorizeEvent) => Object.keys(admittedAnswers).map(() => event);
      expect(decisions.splice(0)).toEqual(onePerPath({ result: 'allowed', rule: refusal.rule, status: 200 }));
      expect(await answersOf(app, rule, refused())).toEqual({
        rest: { status: refusal.status, challenge: refusal.challenge },
        lambda: { status: refusal.status, challenge: refusal.challenge },
        graphqlOverHttp: { status: refusal.status, code: refusal.graphqlCode },
        graphqlWs: { status: refusal.status, code: refusal.graphqlCode },
        message: { status: refusal.status, error: refusal.socketError },
      });
      expect(decisions).toEqual(onePerPath({ result: 'denied', rule: refusal.rule, status: refusal.status }));
    });
  },
);
