/**
 * The hostile-token table's context (see hostile-cases.ts) and the two apps its cases go to: the
 * suite's own app, and a probe app that refuses tokens over 2,048 characters (cases whose
 * `target` is `small`). After the suite: no case made a server fetch a URL taken from a token.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import type { HttpAdapterName } from '../../sample-app/src/sample-config.js';
import { probeModule } from './hostile.js';
import { closeHostileContext, createHostileContext, type Ctx, type Probe } from './hostile-cases.js';
import { type RunningApp, startApp } from './test-app.js';

export interface HostileApps {
  /** The context the cases build their probes from, once started. */
  readonly ctx: Ctx;
  /** The suite's own app, once started. */
  readonly main: () => RunningApp;
  /** The app a probe goes to. */
  readonly targetOf: (probe: Probe) => RunningApp;
}

export function useHostileApps(
  startMain: (ctx: Ctx) => Promise<RunningApp>,
  adapter: HttpAdapterName = 'express',
): HostileApps {
  const ctx = {} as Ctx;
  let main: RunningApp | undefined;
  let small: RunningApp | undefined;
  beforeAll(async () => {
    Object.assign(ctx, await createHostileContext());
    const smallOptions = { ...ctx.kit.moduleOptions(), maxTokenLength: 2_048 };
    [main, small] = await Promise.all([startMain(ctx), startApp(probeModule(smallOptions), { adapter })]);
  });
  afterAll(async () => {
    // Whatever the cases did, nothing ever fetched a URL taken from a token.
    expect(ctx.counting?.requests).toEqual([]);
    await Promise.all([main?.close(), small?.close()]);
    await closeHostileContext(ctx);
  });
  return {
    ctx,
    main: () => main!,
    targetOf: (probe) => (probe.target === 'small' ? small! : main!),
  };
}
