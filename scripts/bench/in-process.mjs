// The module's guard driven in process, without HTTP: what verify.mjs times and
// cache-memory.mjs weighs.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CognitoAuthGuard, CognitoAuthModule } from '../../dist/index.js';

/** A minimal HTTP ExecutionContext around a request carrying `token`. */
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
    {
      logger: false,
    },
  );
  return { app, guard: app.get(CognitoAuthGuard) };
}

/** One fake request per token, built ahead so that timing the guard does not time them. */
export function fakeRequests(tokens) {
  return tokens.map((token) => fakeContext(token));
}

/**
 * CPU time of this process so far, in ms (user + system, every thread: GC helpers included).
 * On a shared machine wall time also counts the time other processes had the core.
 */
export function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Runs the guard over fake requests (fakeRequests); returns the CPU ms it took. */
export async function guardVerify(guard, requests) {
  const started = cpuMs();
  for (const { context, req } of requests) {
    let verdict = guard.canActivate(context);
    // A synchronous verdict is not awaited: awaiting it would time a microtask, not the guard.
    if (verdict instanceof Promise) verdict = await verdict;
    if (verdict !== true || typeof req.user?.sub !== 'string') {
      throw new Error('the module refused a valid token');
    }
  }
  return cpuMs() - started;
}
