/**
 * What went wrong with a key-set download, as a fixed set of words: diagnostics events and
 * metrics carry this, never the message (which may hold a URL or a server's text).
 */
export type KeySetErrorType =
  'timeout' | 'http_status' | 'invalid_json' | 'too_large' | 'no_keys' | 'network' | 'other';

/** A key-set download that failed for a known reason. */
export class KeySetError extends Error {
  override readonly name = 'KeySetError';

  constructor(
    readonly type: KeySetErrorType,
    message: string,
  ) {
    super(message);
  }
}

/** The kind of a download failure: a `KeySetError`'s own, else what the error class tells. */
export function keySetErrorTypeOf(error: unknown): KeySetErrorType {
  if (error instanceof KeySetError) return error.type;
  if (error instanceof SyntaxError) return 'invalid_json';
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
  // fetch() rejects with a TypeError when the connection fails (refused, reset, DNS, redirect).
  if (error instanceof TypeError) return 'network';
  return 'other';
}
