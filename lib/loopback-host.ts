import { isIP } from 'node:net';

/**
 * Whether a host is this machine: `localhost`, `127.0.0.0/8` or `::1` (with or without the
 * brackets a URL puts around it). Plain-http key sets and the test key server are allowed there only.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}
