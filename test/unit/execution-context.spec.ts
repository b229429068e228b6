import type { ExecutionContext } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContextAdapter } from '../../lib/contexts/context-adapter.interface.js';
import {
  contextAdapterOf,
  getRequestFromContext,
  placeUsers,
  registerContextAdapter,
} from '../../lib/contexts/execution-context.js';
import { httpContext } from '../../lib/contexts/http.context.js';
import { rpcContext } from '../../lib/contexts/rpc.context.js';
import type { CognitoUser } from '../../lib/interfaces/cognito-user.interface.js';

const contextOfType = (type: string, request: unknown = undefined) =>
  ({ getType: () => type, request }) as unknown as ExecutionContext;

/** An adapter that reads the request from the context and records where it places users. */
function recordingAdapter() {
  const placed: Array<{ request: unknown; principal: object | null; user: CognitoUser | null }> = [];
  const adapter: ContextAdapter = {
    transport: 'http',
    getRequest: (context) => (context as unknown as { request: unknown }).request,
    findToken: () => null,
    placeUser: (request, principal, user) => placed.push({ request, principal, user }),
    refuse: () => new Error('refused'),
  };
  return { adapter, placed };
}

describe('registerContextAdapter teaches the module a context type', () => {
  afterEach(() => registerContextAdapter('http', httpContext));

  it('answers the registered adapter for its type, and the built-in ones for theirs', () => {
    const { adapter } = recordingAdapter();
    registerContextAdapter('kafka-custom', adapter);
    expect(contextAdapterOf(contextOfType('kafka-custom'))).toBe(adapter);
    expect(contextAdapterOf(contextOfType('http'))).toBe(httpContext);
  });

  it('replaces the adapter of a known type', () => {
    const { adapter } = recordingAdapter();
    registerContextAdapter('http', adapter);
    expect(contextAdapterOf(contextOfType('http'))).toBe(adapter);
  });

  it('gives an unknown type the microservice adapter, which fails closed', () => {
    expect(contextAdapterOf(contextOfType('never-registered'))).toBe(rpcContext);
  });

  it('reads the request through the adapter of the context type', () => {
    const { adapter } = recordingAdapter();
    const request = { headers: {} };
    registerContextAdapter('reads-request', adapter);
    expect(getRequestFromContext(contextOfType('reads-request', request))).toBe(request);
  });
});

describe('placeUsers puts the users on the given and the context request, each once', () => {
  const user = { sub: 'user-1' } as CognitoUser;
  const principal = { id: 'account-1' };

  it("places them on a guard subclass's own request, then on the context's request", () => {
    const { adapter, placed } = recordingAdapter();
    const own = { own: true };
    const contextRequest = { context: true };
    placeUsers(adapter, contextOfType('http', contextRequest), own, principal, user);
    expect(placed).toEqual([
      { request: own, principal, user },
      { request: contextRequest, principal, user },
    ]);
  });

  it("places them once when the given request is the context's own", () => {
    const { adapter, placed } = recordingAdapter();
    const request = {};
    placeUsers(adapter, contextOfType('http', request), request, principal, user);
    expect(placed).toEqual([{ request, principal, user }]);
  });

  it('places them only on the given request when the context has none', () => {
    const { adapter, placed } = recordingAdapter();
    const own = {};
    placeUsers(adapter, contextOfType('http', undefined), own, principal, user);
    expect(placed).toEqual([{ request: own, principal, user }]);
  });

  it('places null for both on a public route without a user', () => {
    const { adapter, placed } = recordingAdapter();
    const request = {};
    placeUsers(adapter, contextOfType('http', request), request, null, null);
    expect(placed).toEqual([{ request, principal: null, user: null }]);
  });
});
