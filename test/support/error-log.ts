import type { CapturedLogger } from './test-app.js';

/**
 * The error-level lines of a captured log (`error` and `fatal`), from line `since` on. Nest's
 * loggers are static: lines go to the logger of the app created last, so a suite reads the log
 * of the one app it runs at a time.
 */
export function errorLines(logs: CapturedLogger, since = 0): string[] {
  return logs.lines.slice(since).filter((line) => line.startsWith('error ') || line.startsWith('fatal '));
}
