/**
 * Settles like `pending`, or rejects with `onTimeout()` after `timeoutMs`: what the module awaits
 * from the app's code ends within a bound. The timer never keeps the process alive.
 */
export function withTimeout<T>(pending: PromiseLike<T>, timeoutMs: number, onTimeout: () => unknown): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
    timer.unref();
  });
  return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
}
