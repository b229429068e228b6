/**
 * The module's diagnostics events a test sees: subscribed before each test, unsubscribed after
 * it, the list emptied in between.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, beforeEach } from 'vitest';

/** The events published on `channel` while the current test runs. */
export function useChannelEvents<E>(channel: string): E[] {
  const events: E[] = [];
  const keep = (message: unknown) => events.push(message as E);
  beforeEach(() => {
    events.length = 0;
    diagnosticsChannel.subscribe(channel, keep);
  });
  afterEach(() => {
    diagnosticsChannel.unsubscribe(channel, keep);
  });
  return events;
}
