// A revocation store of the app's own, plugged in through `revocation: { store }`: the module
// reads it on every request (cache hits included) and writes through it, and a store that
// throws, answers wrongly or never settles ends in a 503 with Retry-After within its bound,
// logged once, never a pass and never a hung request.
import { randomUUID } from 'node:crypto';
import {
  CallbackUnavailableError,
  CognitoAuthConfigError,
  type CognitoRevocableClaims,
  type CognitoRevocationEntry,
  CognitoRevocationService,
  type CognitoRevocationStore,
  type CognitoRevocationStoreContext,
  CognitoTokenVerifier,
  RevocationUnavailableError,
} from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from '../lib/cache/verified-token.cache.js';
import { useKit } from './support/kit-app.js';
import { nowSeconds, startModuleApp } from './support/auth-e2e.js';
import { MeController } from './support/fixture-app.js';
import { bearer, get } from './support/http.js';
import type { RunningApp } from './support/test-app.js';

/** A store of the app's own: ids in a Set, as a DynamoDB- or node-redis-backed store would keep its local copy. */
class SetRevocationStore implements CognitoRevocationStore {
  readonly name = 'set';
  isCurrent = true;
  readonly added: CognitoRevocationEntry[] = [];
  context?: CognitoRevocationStoreContext;
  stopped = false;
  private readonly ids = new Set<string>();

  get size(): number {
    return this.ids.size;
  }

  isRevoked(claims: CognitoRevocableClaims): boolean {
    return this.ids.has(`s:${claims.origin_jti}`) || this.ids.has(`t:${claims.jti}`);
  }

  async add(entry: CognitoRevocationEntry): Promise<void> {
    this.added.push(entry);
    this.ids.add(`${entry.kind === 'session' ? 's' : 't'}:${entry.id}`);
  }

  start(context: CognitoRevocationStoreContext): void {
    this.context = context;
  }

  stop(): void {
    this.stopped = true;
  }
}

const kit = useKit();

const meStatus = async (app: RunningApp, token: string) => (await get(`${app.url}/me`, bearer(token))).status;
const storeApp = (store: CognitoRevocationStore, options: object = {}) =>
  startModuleApp(kit, { revocation: { store }, ...options }, [MeController]);

describe('a store of the app’s own, through revocation: { store }', () => {
  it('is started with the module’s context, written by revoke(), read on every request (cache hits too), stopped with the app', async () => {
    const store = new SetRevocationStore();
    const app = await storeApp(store, { revocation: { store, maxEntries: 42, failurePolicy: 'refuse' } });
    try {
      expect(store.context).toMatchObject({ maxEntries: 42, failurePolicy: 'refuse' });
      const session = randomUUID();
      const token = kit.accessToken({ origin_jti: session });
      expect(await meStatus(app, token)).toBe(200);
      expect(app.app.get(VerifiedTokenCache).get(token)).toBeDefined();

      const revocations = app.app.get(CognitoRevocationService);
      await revocations.revoke(await app.app.get(CognitoTokenVerifier).verify(token));
      const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
      expect(store.added).toEqual([{ kind: 'session', id: session, expiresAtMs: (exp + 5) * 1000 }]);
      expect(await meStatus(app, token)).toBe(401); // refused on the cache hit
      expect(revocations.storeState).toEqual({ store: 'set', current: true, size: 1 });

      store.isCurrent = false; // e.g. its shared table is unreachable
      const stale = await get(`${app.url}/me`, bearer(kit.accessToken()));
      expect(stale.status).toBe(503);
      expect(stale.headers['retry-after']).toBe('5');
      expect(revocations.storeState.current).toBe(false);
    } finally {
      await app.close();
    }
    expect(store.stopped).toBe(true);
  });
});

describe('a misbehaving store ends in a 503 with Retry-After within its bound, logged once', () => {
  class FaultyStore extends SetRevocationStore {
    constructor(private readonly fault: Partial<Record<'isRevoked' | 'add' | 'start', () => unknown>>) {
      super();
    }
    override isRevoked(claims: CognitoRevocableClaims): boolean {
      return (this.fault.isRevoked?.() as boolean | undefined) ?? super.isRevoked(claims);
    }
    override add(entry: CognitoRevocationEntry): Promise<void> {
      return this.fault.add ? (this.fault.add() as Promise<void>) : super.add(entry);
    }
    override start(context: CognitoRevocationStoreContext): void {
      this.fault.start?.();
      super.start(context);
    }
  }
  const claims = () => ({ jti: randomUUID(), exp: nowSeconds() + 60 });

  it.each([
    ['throws', () => Promise.reject(new Error('table unreachable'))],
    [
      'throws synchronously',
      () => {
        throw new Error('table unreachable');
      },
    ],
    ['never settles', () => new Promise(() => undefined)],
  ])('add() that %s: revoke() rejects with CallbackUnavailableError', async (_name, add) => {
    const app = await startModuleApp(kit, { revocation: { store: new FaultyStore({ add }) }, callbackTimeoutMs: 200 }, [
      MeController,
    ]);
    try {
      const revocations = app.app.get(CognitoRevocationService);
      const started = performance.now();
      for (let round = 0; round < 2; round++) {
        const error = await revocations.revoke(claims()).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(CallbackUnavailableError);
        expect(error).toMatchObject({ callback: 'revocationStore', retryAfterSeconds: 5 });
      }
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(app.logs.lines.filter((line) => line.includes('Revocation store "set": add()'))).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('add() that rejects with RevocationUnavailableError keeps its own Retry-After', async () => {
    const add = () => Promise.reject(new RevocationUnavailableError(30, 'The table is throttled'));
    const app = await storeApp(new FaultyStore({ add }));
    try {
      const error = await app.app
        .get(CognitoRevocationService)
        .revoke(claims())
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RevocationUnavailableError);
      expect(error).toMatchObject({ retryAfterSeconds: 30 });
    } finally {
      await app.close();
    }
  });

  const lookupFaults: Array<[string, () => unknown]> = [
    [
      'throws',
      () => {
        throw new Error('lookup failed');
      },
    ],
    ['answers a promise', () => Promise.resolve(false)],
  ];
  it.each(lookupFaults)(
    'isRevoked() that %s: the request gets 503, never a pass or a 401',
    async (_name, isRevoked) => {
      const app = await storeApp(new FaultyStore({ isRevoked }));
      try {
        for (let round = 0; round < 2; round++) {
          const res = await get(`${app.url}/me`, bearer(kit.accessToken()));
          expect(res.status).toBe(503);
          expect(res.headers['retry-after']).toBe('5');
        }
        expect(app.logs.lines.filter((line) => line.includes('Revocation store "set": isRevoked()'))).toHaveLength(1);
      } finally {
        await app.close();
      }
    },
  );

  it('start() that throws: the app starts, and says so once', async () => {
    const start = () => {
      throw new Error('no table');
    };
    const app = await storeApp(new FaultyStore({ start }));
    try {
      expect(await meStatus(app, kit.accessToken())).toBe(200);
      expect(app.logs.text()).toMatch(/Revocation store "set": start\(\) threw Error: no table/);
    } finally {
      await app.close();
    }
  });
});

describe('revocation.store is checked at start-up', () => {
  it.each([
    ['store with redis', { store: new SetRevocationStore(), redis: {} }, /either revocation.store or revocation.redis/],
    ['store with keyPrefix', { store: new SetRevocationStore(), keyPrefix: 'x:' }, /either revocation.store or/],
    [
      'a store without add()',
      { store: { name: 'half', isRevoked: (): boolean => false } },
      /CognitoRevocationStore \(add\(\)\)/,
    ],
    [
      'a store without a name',
      { store: { isRevoked: (): boolean => false, add: async () => undefined } },
      /needs a name/,
    ],
    ['a misspelt option', { stroe: new SetRevocationStore() }, /unknown option revocation.stroe/],
  ])('refuses %s', async (_name, revocation, message) => {
    const boot = startModuleApp(kit, { revocation: revocation as never }, []);
    await expect(boot).rejects.toThrow(CognitoAuthConfigError);
    await expect(boot).rejects.toThrow(message);
  });
});
