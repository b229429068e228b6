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
 * Starts a kit, then `start(kit)`, before the suite's tests. `kit` and `app` stand for the
 * started ones: read them inside tests and hooks, where they exist.
 */
export function useKitApp(
  start: (kit: CognitoTestKit) => Promise<RunningApp>,
  kitOptions?: CognitoTestKitOptions,
): KitApp {
  let kit: CognitoTestKit | undefined;
  let app: RunningApp | undefined;
  beforeAll(async () => {
    kit = await createCognitoTestKit(kitOptions);
    app = await start(kit);
  });
  afterAll(async () => {
    await app?.close();
    await kit?.close();
  });
  return { kit: started(() => kit, 'kit'), app: started(() => app, 'app') };
}

/** The sample app on one adapter, with extra environment variables. */
export function useSampleApp(adapter: HttpAdapterName, env: Record<string, string> = {}): KitApp {
  return useKitApp((kit) => startSampleApp(kit, { adapter, env }));
}

export interface ModuleAppSpec extends Omit<ModuleMetadata, 'exports'> {
  readonly adapter: HttpAdapterName;
  /** Module options over the kit's `moduleOptions()`. */
  readonly options?: Partial<CognitoAuthOptions> | ((kit: CognitoTestKit) => Partial<CognitoAuthOptions>);
}

/** An app of `CognitoAuthModule.forRoot({ ...kit.moduleOptions(), ...options })` and the spec's own metadata. */
export function useModuleApp({ adapter, options = {}, imports = [], ...metadata }: ModuleAppSpec): KitApp {
  return useKitApp((kit) => {
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
function started<T extends object>(current: () => T | undefined, name: string): T {
  const target = () => current() ?? fail(`the suite's ${name} is read before beforeAll started it`);
  return new Proxy({} as T, {
    get(_, property) {
      const value: unknown = Reflect.get(target(), property);
      return typeof value === 'function' ? value.bind(target()) : value;
    },
    has: (_, property) => Reflect.has(target(), property),
  });
}

function fail(message: string): never {
  throw new Error(message);
}
