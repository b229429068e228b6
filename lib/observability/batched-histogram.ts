import type { Histogram } from '@opentelemetry/api';
import type { MetricAttributes } from './metric-attributes.js';

/** Values kept per attribute set before they are handed to the SDK together. */
const BATCH_SIZE = 128;

/** The values of one attribute set not yet handed to the SDK. */
class PendingValues {
  readonly values = new Float64Array(BATCH_SIZE);
  count = 0;
}

/**
 * A histogram whose values reach the SDK in batches, one attribute set at a time. The SDK's
 * `record` hashes the attribute set on every call; called once per request, between the rest
 * of the request's work, its code and data are cold each time, while a batch of calls runs
 * them hot. The values, their attribute sets and their count are the same; only the moment
 * they reach the SDK changes, and `flush()` (called when the metrics are collected, before the
 * SDK reads its histograms) makes each collection see every value recorded before it.
 *
 * A set's first value is recorded at once, so that its series starts when it was first seen.
 */
export class BatchedHistogram {
  private readonly pending = new Map<MetricAttributes, PendingValues>();

  constructor(private readonly histogram: Histogram) {}

  /** `attributes` must be a kept (shared, frozen) set: the batches are keyed by the object. */
  record(value: number, attributes: MetricAttributes): void {
    const pending = this.pending.get(attributes);
    if (pending === undefined) {
      this.histogram.record(value, attributes);
      this.pending.set(attributes, new PendingValues());
      return;
    }
    pending.values[pending.count++] = value;
    if (pending.count === BATCH_SIZE) this.recordPending(pending, attributes);
  }

  /** Hands every value kept so far to the SDK. */
  flush(): void {
    for (const [attributes, pending] of this.pending) this.recordPending(pending, attributes);
  }

  private recordPending(pending: PendingValues, attributes: MetricAttributes): void {
    for (let index = 0; index < pending.count; index++) this.histogram.record(pending.values[index]!, attributes);
    pending.count = 0;
  }
}
