// The module's guard driven in process, without HTTP: what verify.mjs times and
// cache-memory.mjs weighs.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CognitoAuthGuard, CognitoAuthModule } from '../../dist/index.js';

/**
 * A minimal HTTP ExecutionContext around a new request carrying `token`. Every method timed in
 * verify.mjs gets one, built inside the timed loop, as a server builds one per request: then a
 * method's time includes what any request costs, the same for every method, and nothing built
 * ahead outlives the request (which would make every young-generation collection copy it).
 */
export function fakeContext(token, handler = BenchController.prototype.me, cls = BenchController) {
  // A flat string, as Node's HTTP parser gives: a template literal would be a rope that the
  // guard's first slice flattens, a copy no real request pays.
  const value = Buffer.from(`Bearer ${token}`, 'latin1').toString('latin1');
  const req = { method: 'GET', url: '/me', headers: { authorization: value }, rawHeaders: ['Authorization', value] };
  const res = { headersSent: false, setHeader() {}, getHeader() {} };
  const args = [req, res, () => {}];
  return {
    req,
    context: {
      getType: () => 'http',
      getClass: () => cls,
      getHandler: () => handler,
      getArgs: () => args,
      getArgByIndex: (index) => args[index],
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => res, getNext: () => args[2] }),
      switchToRpc: () => {
        throw new Error('not rpc');
      },
      switchToWs: () => {
        throw new Error('not ws');
      },
    },
  };
}

export class BenchController {
  me() {}
}

/** The module's guard in an application context, with the given cache size. */
export async function createGuard(moduleOptions, tokenCacheMaxEntries) {
  const app = await NestFactory.createApplicationContext(
    CognitoAuthModule.forRoot({ ...moduleOptions, tokenCacheMaxEntries }),
    { logger: false },
  );
  return { app, guard: app.get(CognitoAuthGuard) };
}

/**
 * CPU time of this process so far, in ms (user + system, every thread: GC helpers included).
 * On a shared machine wall time also counts the time other processes had the core.
 */
export function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Runs `handle(context, req)` on a new fake request for each token; returns the CPU ms it took.
 * `handle` returns nothing, or a promise only when it must be awaited.
 */
export async function timeRequests(tokens, handle) {
  const started = cpuMs();
  for (const token of tokens) {
    const { context, req } = fakeContext(token);
    const pending = handle(context, req);
    if (pending instanceof Promise) await pending;
  }
  return cpuMs() - started;
}

/** The guard as a `timeRequests` handler: throws unless the request is admitted with a user. */
export function guardHandler(guard) {
  const check = (verdict, req) => {
    if (verdict !== true || typeof req.user?.sub !== 'string') throw new Error('the module refused a valid token');
  };
  return (context, req) => {
    const verdict = guard.canActivate(context);
    // A synchronous verdict is not awaited: awaiting it would time a microtask, not the guard.
    if (verdict instanceof Promise) return verdict.then((settled) => check(settled, req));
    check(verdict, req);
    return undefined;
  };
}

/** The bearer token of a fake request, as the simplest guard reads it. */
export function bearerOf(req) {
  return req.headers.authorization.slice(7);
}
