/**
 * Whether a browser request from `origin` may act with the user's cookies: the app's own origin
 * (the `Origin` names the `Host` the request was sent to) or one listed in ALLOWED_ORIGINS. A
 * page on another site cannot forge `Origin`, which browsers send on every cross-origin request
 * and every WebSocket handshake (https://fetch.spec.whatwg.org/#origin-header).
 */
export function isAllowedOrigin(
  origin: string | undefined,
  host: string | undefined,
  allowedOrigins: readonly string[],
): boolean {
  if (!origin || origin === 'null') return false;
  if (allowedOrigins.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** ALLOWED_ORIGINS=https://app.example.com,https://admin.example.com: each an origin (scheme, host, port; no path). */
export function readAllowedOrigins(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean)
    .map((origin) => {
      const url = URL.canParse(origin) ? new URL(origin) : undefined;
      if (!url || url.origin === 'null' || url.origin !== origin.replace(/\/$/, '')) {
        throw new Error(`ALLOWED_ORIGINS: ${origin} is not an origin like https://app.example.com`);
      }
      return url.origin;
    });
}
