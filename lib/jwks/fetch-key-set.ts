import { KeySetError } from './key-set-error.js';

/** A key set is a few KiB; a bigger body is a misconfiguration or an attack, not keys. */
export const MAX_KEY_SET_BYTES = 1024 * 1024;

/**
 * Downloads a key set for jwks-rsa (its `fetcher` option), reading at most
 * `MAX_KEY_SET_BYTES` and never following a redirect: the module only talks to the URL it was
 * configured with.
 */
export async function fetchKeySet(uri: string, timeoutMs: number): Promise<unknown> {
  const response = await fetch(uri, {
    redirect: 'error',
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new KeySetError('http_status', `HTTP ${response.status}`);
  }
  return JSON.parse(await readCapped(response));
}

async function readCapped(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > MAX_KEY_SET_BYTES) {
    await response.body?.cancel();
    throw new KeySetError('too_large', `the key set is larger than ${MAX_KEY_SET_BYTES} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    if (size > MAX_KEY_SET_BYTES)
      throw new KeySetError('too_large', `the key set is larger than ${MAX_KEY_SET_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
