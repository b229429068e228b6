// The revocation store's state, for health checks and metrics: every state change is published
// on the nestjs-cognito-auth:revocation diagnostics channel as { store, current, event } (the
// memory store, the Redis store against a real redis-server, and a store of the app's own), and
// CognitoRevocationService.storeState reads { store, current, size } at any time.
import diagnosticsChannel from 'node:diagnostics_channel';
import { randomUUID } from 'node:crypto';
import {
  type CognitoRevocableClaims,
  type CognitoRevocationEvent,
  CognitoRevocationService,
  type CognitoRevocationStore,
  type CognitoRevocationStoreContext,
} from 'nestjs-cognito-auth';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nowSeconds, startModuleApp } from './support/auth-e2e.js';
import { useKit } from './support/kit-app.js';
import { startRedisApp, useRedisInspector, useRedisServer, within } from './support/redis-server.js';

const CHANNEL = 'nestjs-cognito-auth:revocation';

const kit = useKit();
let events: CognitoRevocationEvent[] = [];
const collect = (message: unknown) => events.push(message as CognitoRevocationEvent);
beforeAll(() => {
  diagnosticsChannel.subscribe(CHANNEL, collect);
});
afterAll(() => {
  diagnosticsChannel.unsubscribe(CHANNEL, collect);
});
afterEach(() => {
  events = [];
});

const seen = (event: string) => events.filter((each) => each.event === event);

describe('the memory store', () => {
  it('publishes started, revoked and stopped; storeState reads its name, currency and size', async () => {
    const app = await startModuleApp(kit, {}, []);
    const revocations = app.app.get(CognitoRevocationService);
    try {
      expect(events).toEqual([{ store: 'memory', current: true, event: 'started' }]);
      await revocations.revoke({ jti: randomUUID(), exp: nowSeconds() + 60 });
      expect(seen('revoked')).toEqual([{ store: 'memory', current: true, event: 'revoked' }]);
      expect(revocations.storeState).toEqual({ store: 'memory', current: true, size: 1 });
    } finally {
      await app.close();
    }
    expect(seen('stopped')).toEqual([{ store: 'memory', current: true, event: 'stopped' }]);
  });
});

describe('a store of the app’s own', () => {
  class FlakyStore implements CognitoRevocationStore {
    readonly name = 'flaky';
    isCurrent = true;
    readonly size = 0;
    context?: CognitoRevocationStoreContext;
    isRevoked(_claims: CognitoRevocableClaims): boolean {
      return false;
    }
    async add(): Promise<void> {}
    start(context: CognitoRevocationStoreContext): void {
      this.context = context;
    }
  }

  it('reports its own state changes through context.notify, under its name', async () => {
    const store = new FlakyStore();
    const app = await startModuleApp(kit, { revocation: { store } }, []);
    try {
      store.isCurrent = false;
      store.context!.notify('stale');
      expect(seen('stale')).toEqual([{ store: 'flaky', current: false, event: 'stale' }]);
      expect(app.app.get(CognitoRevocationService).storeState).toEqual({ store: 'flaky', current: false, size: 0 });
    } finally {
      await app.close();
    }
  });
});

describe('the Redis store', () => {
  const redis = useRedisServer();
  const inspector = useRedisInspector(redis);

  it('publishes connected, restored, pruned, disconnected and connected again as Redis comes and goes', async () => {
    const app = await startRedisApp(kit, redis.url, { options: { clockTolerance: 0 } });
    const revocations = app.app.get(CognitoRevocationService);
    try {
      expect(events.slice(0, 2)).toEqual([
        { store: 'redis', current: true, event: 'connected' },
        { store: 'redis', current: true, event: 'started' },
      ]);

      await revocations.revoke({ jti: randomUUID(), exp: nowSeconds() + 3600 });
      await revocations.revoke({ jti: randomUUID(), exp: nowSeconds() + 1 });
      await inspector.flushall();
      await within(2_000, 'restored', () => seen('restored').length > 0);
      expect(seen('restored')[0]).toEqual({ store: 'redis', current: true, event: 'restored' });
      await within(3_000, 'pruned', () => seen('pruned').length > 0);
      expect(revocations.storeState).toEqual({ store: 'redis', current: true, size: 1 });

      await redis.kill();
      await within(5_000, 'disconnected', () => seen('disconnected').length > 0);
      expect(seen('disconnected')[0]).toEqual({ store: 'redis', current: false, event: 'disconnected' });
      expect(revocations.storeState.current).toBe(false);
      await redis.restart();
      await within(10_000, 'connected again', () => seen('connected').length > 1);
      expect(revocations.storeState).toEqual({ store: 'redis', current: true, size: 1 });
    } finally {
      await app.close();
    }
  });
});
