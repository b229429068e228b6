/**
 * The scaffold most suites share: a test kit (keys and a JWKS server) and an app started with
 * it before the suite's tests, both closed after them, app first.
 */
import type { ModuleMetadata } from '@nestjs/common';
import { type CognitoAuthOptions, CognitoAuthModule } from 'nestjs-cognito-auth';
import { createCognitoTestKit, type CognitoTestKit, type CognitoTestKitOptions } from 'nestjs-cognito-auth/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { HttpAdapterName } from '../../sample-app/src/sample-config.js';
import { SocketClients } from './socket-client.js';
import { type RunningApp, startApp, startSampleApp } from './test-app.js';

export interface KitApp {
  /** The suite's test kit, once started. */
  readonly kit: CognitoTestKit;
  /** The suite's app, once started. */
  readonly app: RunningApp;
}

/**
 * Starts a kit, then `start(kit)`, before the suite's tests; after them, `close` what was
 * started, then the kit. `kit` and `started` stand for the started ones: read them inside tests
 * and hooks, where they exist.
 */
export function useKitWith<T extends object>(
  start: (kit: CognitoTestKit) => Promise<T>,
  close: (started: T) => Promise<unknown>,
  kitOptions?: CognitoTestKitOptions,
): { readonly kit: CognitoTestKit; readonly started: T } {
  let kit: CognitoTestKit | undefined;
  let value: T | undefined;
  beforeAll(async () => {
    kit = await createCognitoTestKit(kitOptions);
    value = await start(kit);
  });
  afterAll(async () => {
    if (value) await close(value);
    await kit?.close();
  });
  return { kit: later(() => kit, 'kit'), started: later(() => value, 'app') };
}

/** A kit started before the suite's tests and closed after them, for suites that start their own apps. */
export function useKit(kitOptions?: CognitoTestKitOptions): CognitoTestKit {
  let kit: CognitoTestKit | undefined;
  beforeAll(async () => {
    kit = await createCognitoTestKit(kitOptions);
  });
  afterAll(async () => {
    await kit?.close();
  });
  return later(() => kit, 'kit');
}

/**
 * Something the suite starts before its tests (after what it registered earlier) and closes
 * after them (before what it registered earlier): a server, a client. Read it inside tests and hooks.
 */
export function useStarted<T extends object>(
  start: () => Promise<T>,
  close: (started: T) => unknown,
  name = 'server',
): T {
  let value: T | undefined;
  beforeAll(async () => {
    value = await start();
  });
  afterAll(async () => {
    if (value) await close(value);
  });
  return later(() => value, name);
}

/** An app started before the suite's tests (after the suite's kit) and closed after them. */
export function useApp(start: () => Promise<RunningApp>): RunningApp {
  return useStarted(start, (app) => app.close(), 'app');
}

/** Apps a suite's tests start themselves: push each one, and all are closed after the suite. */
export function useAppsClosedAfterAll(): RunningApp[] {
  const running: RunningApp[] = [];
  afterAll(async () => {
    await Promise.all(running.splice(0).map((app) => app.close()));
  });
  return running;
}

/** Starts a kit and an app with it; both are closed after the test. */
export interface PerTestKitApp {
  (
    start: (kit: CognitoTestKit) => Promise<RunningApp>,
    kitOptions?: CognitoTestKitOptions,
  ): Promise<{ kit: CognitoTestKit; app: RunningApp }>;
  /** A kit alone (a second pool, or a boot that is meant to fail), closed after the test. */
  kit(kitOptions?: CognitoTestKitOptions): Promise<CognitoTestKit>;
  /** An app the test started itself, closed after the test (before the kits). */
  app(starting: RunningApp | Promise<RunningApp>): Promise<RunningApp>;
}

/**
 * For suites whose tests each start their own kits and apps: what the function returned
 * starts is closed after that test, apps first.
 */
export function usePerTestKitApp(): PerTestKitApp {
  const kits: CognitoTestKit[] = [];
  const apps: RunningApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(kits.splice(0).map((kit) => kit.close()));
  });
  const kit = async (kitOptions?: CognitoTestKitOptions) => {
    const started = await createCognitoTestKit(kitOptions);
    kits.push(started);
    return started;
  };
  const app = async (starting: RunningApp | Promise<RunningApp>) => {
    const started = await starting;
    apps.push(started);
    return started;
  };
  const start = async (startApp: (kit: CognitoTestKit) => Promise<RunningApp>, kitOptions?: CognitoTestKitOptions) => {
    const started = await kit(kitOptions);
    return { kit: started, app: await app(startApp(started)) };
  };
  return Object.assign(start, { kit, app });
}

/** A kit and one app started with it (see `useKitWith`). */
export function useKitApp(
  start: (kit: CognitoTestKit) => Promise<RunningApp>,
  kitOptions?: CognitoTestKitOptions,
): KitApp {
  const { kit, started } = useKitWith(start, (app) => app.close(), kitOptions);
  return { kit, app: started };
}

/** The sample app on one adapter, with extra environment variables. */
export function useSampleApp(adapter: HttpAdapterName, env: Record<string, string> = {}): KitApp {
  return useKitApp((kit) => startSampleApp(kit, { adapter, env }));
}

export interface ModuleAppSpec extends Omit<ModuleMetadata, 'exports'> {
  readonly adapter: HttpAdapterName;
  /** Runs on the started kit before the app starts (`kit.setJwksBehaviour('error-500')`). */
  readonly prepare?: (kit: CognitoTestKit) => void;
  /** Module options over the kit's `moduleOptions()`. */
  readonly options?: Partial<CognitoAuthOptions> | ((kit: CognitoTestKit) => Partial<CognitoAuthOptions>);
}

/** An app of `CognitoAuthModule.forRoot({ ...kit.moduleOptions(), ...options })` and the spec's own metadata. */
export function useModuleApp({ adapter, prepare, options = {}, imports = [], ...metadata }: ModuleAppSpec): KitApp {
  return useKitApp((kit) => {
    prepare?.(kit);
    const own = typeof options === 'function' ? options(kit) : options;
    const module = CognitoAuthModule.forRoot({ ...kit.moduleOptions(), ...own });
    return startApp({ ...metadata, imports: [module, ...imports] }, { adapter });
  });
}

/** socket.io clients, each closed after every test. */
export function useSocketClients(): SocketClients {
  const clients = new SocketClients();
  afterEach(() => clients.closeAll());
  return clients;
}

/** An object that forwards to what `current()` holds once the suite has started it. */
function later<T extends object>(current: () => T | undefined, name: string): T {
  const target = () => current() ?? fail(`the suite's ${name} is read before beforeAll started it`);
  return new Proxy({} as T, {
    get(_, property) {
      const value: unknown = Reflect.get(target(), property);
      return typeof value === 'function' ? value.bind(target()) : value;
    },
    has: (_, property) => Reflect.has(target(), property),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_, property) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), property);
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}

function fail(message: string): never {
  throw new Error(message);
}
