/**
 * A policy that never settles: the request is answered 503 with Retry-After within
 * callbackTimeoutMs (never a hung request), the policy is logged once however many requests
 * hit it, the other routes keep working, and the authorize event says 503. Function and class
 * policies, HTTP on both adapters and GraphQL.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { Controller, Get, Injectable } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { type CognitoAuthorizeEvent, type CognitoPolicyHandler, Policy } from 'nestjs-cognito-auth';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, send } from './support/http.js';
import { call, expectOk, useAppsOnEveryAdapter } from './support/policy-e2e.js';
import { ADAPTERS } from './support/test-app.js';

const TIMEOUT_MS = 300;

function neverSettles(): Promise<boolean> {
  return new Promise(() => undefined);
}

@Injectable()
class NeverSettlingPolicy implements CognitoPolicyHandler {
  handle(): Promise<boolean> {
    return new Promise(() => undefined);
  }
}

@Controller('slow')
class SlowController {
  @Policy(neverSettles)
  @Get('function')
  fn() {
    return { ok: true };
  }

  @Policy(NeverSettlingPolicy)
  @Get('class')
  cls() {
    return { ok: true };
  }

  @Policy(async () => true)
  @Get('fast')
  fast() {
    return { ok: true };
  }
}

@Resolver()
class SlowResolver {
  @Policy(neverSettles)
  @Query(() => Boolean)
  slow(): boolean {
    return true;
  }
}

const { kit, apps } = useAppsOnEveryAdapter(
  { callbackTimeoutMs: TIMEOUT_MS },
  { controllers: [SlowController], providers: [SlowResolver] },
);

beforeAll(async () => {
  // The first request of an app downloads the key set: keep it out of the timed ones.
  for (const app of Object.values(apps)) expectOk(await call(app, '/slow/fast', kit.accessToken()));
});

/** Every captured line of every app (Nest's static logger writes to the app created last). */
const logLines = () => Object.values(apps).flatMap((app) => app.logs.lines);

describe.each(ADAPTERS)('a policy that never settles (%s)', (adapter) => {
  it.each([
    ['a function', '/slow/function', 'neverSettles'],
    ['an injectable class', '/slow/class', 'NeverSettlingPolicy'],
  ])('%s: 503 with Retry-After within the bound, logged once across requests', async (_kind, path, name) => {
    const token = kit.accessToken();
    const before = logLines().filter((line) => line.includes(name)).length;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const res = await call(apps[adapter], path, token);
      const elapsed = performance.now() - started;
      expect({ status: res.status, retryAfter: res.headers['retry-after'] }).toEqual({ status: 503, retryAfter: '5' });
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      // Without the bound the request would hang until the test times out; the margin absorbs a loaded machine.
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 3000);
    }
    const logged = logLines().filter((line) => line.includes(name));
    expect(logged.length - before).toBe(1);
    expect(logged.join('\n')).toContain(`Policy ${name} did not answer within ${TIMEOUT_MS} ms; answering 503`);
    expect(logLines().join('\n')).not.toContain(token);
  });

  it('a policy that answers in time is not affected', async () => {
    expectOk(await call(apps[adapter], '/slow/fast', kit.accessToken()));
  });

  it('in a GraphQL resolver: a code that is not INTERNAL_SERVER_ERROR', async () => {
    const res = await send(
      'POST',
      `${apps[adapter].url}/graphql`,
      { 'content-type': 'application/json', ...bearer(kit.accessToken()) },
      JSON.stringify({ query: '{ slow }' }),
    );
    const body = res.json();
    expect(body.data).toBeNull();
    expect(body.errors[0].extensions.code).not.toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(body)).not.toContain('stacktrace');
  });
});

describe('the authorize event of a policy that timed out', () => {
  it('says denied, by the policies, with 503', async () => {
    const events: CognitoAuthorizeEvent[] = [];
    const keep = (message: unknown) => events.push(message as CognitoAuthorizeEvent);
    diagnosticsChannel.subscribe('nestjs-cognito-auth:authorize', keep);
    try {
      await call(apps.express, '/slow/function', kit.accessToken());
    } finally {
      diagnosticsChannel.unsubscribe('nestjs-cognito-auth:authorize', keep);
    }
    expect(events).toEqual([{ result: 'denied', rule: 'policies', status: 503 }]);
  });
});
