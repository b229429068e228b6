import { Logger } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import { logOnce } from '../../lib/errors/log-once.js';

function quietLogger() {
  const logger = new Logger('log-once');
  const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
  return { logger, error };
}

describe('logOnce logs each kind of error once per logger', () => {
  it('logs the first error of a kind with its details, and not the next ones', () => {
    const { logger, error } = quietLogger();
    const cause = new Error('boom');
    logOnce(logger, 'policy:OwnerPolicy', 'OwnerPolicy threw', cause);
    logOnce(logger, 'policy:OwnerPolicy', 'OwnerPolicy threw again');
    logOnce(logger, 'policy:OwnerPolicy', 'OwnerPolicy threw a third time');
    expect(error).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledWith('OwnerPolicy threw', cause);
  });

  it('logs each kind once', () => {
    const { logger, error } = quietLogger();
    logOnce(logger, 'tokenExtractor', 'extractor threw');
    logOnce(logger, 'policy:OwnerPolicy', 'policy threw');
    logOnce(logger, 'tokenExtractor', 'extractor threw again');
    expect(error.mock.calls.map(([message]) => message)).toEqual(['extractor threw', 'policy threw']);
  });

  it('logs the same kind once on each logger: one app does not silence another', () => {
    const first = quietLogger();
    const second = quietLogger();
    logOnce(first.logger, 'tokenExtractor', 'first app');
    logOnce(second.logger, 'tokenExtractor', 'second app');
    expect(first.error).toHaveBeenCalledTimes(1);
    expect(second.error).toHaveBeenCalledTimes(1);
  });
});
