import type { Logger } from '@nestjs/common';

const reported = new WeakMap<Logger, Set<string>>();

/**
 * Logs an error once per logger and kind (`policy:OwnerPolicy`, `tokenExtractor`, …): a
 * misbehaving callback runs on every request, and one line says all there is to say without
 * flooding the log. The message never holds a token.
 */
export function logOnce(logger: Logger, kind: string, message: string, ...details: unknown[]): void {
  let kinds = reported.get(logger);
  if (!kinds) reported.set(logger, (kinds = new Set()));
  if (kinds.has(kind)) return;
  kinds.add(kind);
  logger.error(message, ...details);
}
