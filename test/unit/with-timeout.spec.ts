import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTimeout } from '../../lib/errors/with-timeout.js';

const timedOut = () => new Error('timed out');

describe('withTimeout bounds what the module awaits from the app', () => {
  afterEach(() => vi.useRealTimers());

  it('settles with the value when it comes in time, and never calls onTimeout', async () => {
    const onTimeout = vi.fn(timedOut);
    await expect(withTimeout(Promise.resolve('value'), 1_000, onTimeout)).resolves.toBe('value');
    expect(onTimeout).not.toHaveBeenCalled();
  });

  it("rejects with the awaited code's own error when it fails in time", async () => {
    const failure = new Error('policy failed');
    await expect(withTimeout(Promise.reject(failure), 1_000, timedOut)).rejects.toBe(failure);
  });

  it('rejects with what onTimeout returns once the bound passes', async () => {
    vi.useFakeTimers();
    const marker = new Error('bound passed');
    const pending = withTimeout(new Promise<never>(() => undefined), 250, () => marker);
    const settled = expect(pending).rejects.toBe(marker);
    await vi.advanceTimersByTimeAsync(249);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await settled;
  });

  it('clears its timer when the awaited code settles first', async () => {
    vi.useFakeTimers();
    await withTimeout(Promise.resolve(1), 60_000, timedOut);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not keep the process alive while it waits', () => {
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    void withTimeout(new Promise<never>(() => undefined), 60_000, timedOut).catch(() => undefined);
    expect(timers()).toBe(before);
  });
});
