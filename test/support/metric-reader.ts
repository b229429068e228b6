/**
 * An OpenTelemetry SDK meter provider with a reader that collects on demand: what an app's
 * exporter would see, read by tests and the bench.
 */
import {
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';

/** A reader with no schedule: `collect()` is called by the test. */
export class OnDemandMetricReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface CollectedPoint {
  readonly attributes: Record<string, unknown>;
  /** A counter's or an observable's value, or a histogram's count. */
  readonly value: number;
  /** A histogram's sum. */
  readonly sum?: number;
}

export interface CollectedMetric {
  readonly name: string;
  readonly unit: string;
  /** `histogram`, `counter` (a monotonic sum) or `up_down_counter` (a sum that may go down). */
  readonly kind: 'histogram' | 'counter' | 'up_down_counter' | 'gauge' | 'other';
  readonly points: readonly CollectedPoint[];
}

export interface MeteredProvider {
  readonly provider: MeterProvider;
  /** Every metric of the meter `nestjs-cognito-auth`, by name. */
  collect(): Promise<Map<string, CollectedMetric>>;
  shutdown(): Promise<void>;
}

export function createMeteredProvider(): MeteredProvider {
  const reader = new OnDemandMetricReader();
  const provider = new MeterProvider({ readers: [reader] });
  return {
    provider,
    async collect() {
      const { resourceMetrics } = await reader.collect();
      const metrics = new Map<string, CollectedMetric>();
      for (const scope of resourceMetrics.scopeMetrics) {
        if (scope.scope.name !== 'nestjs-cognito-auth') continue;
        for (const metric of scope.metrics) metrics.set(metric.descriptor.name, summarise(metric));
      }
      return metrics;
    },
    shutdown: () => provider.shutdown(),
  };
}

function summarise(metric: MetricData): CollectedMetric {
  const points = (metric.dataPoints as DataPoint<number | Histogram>[]).map((point) => {
    const { value } = point;
    return typeof value === 'number'
      ? { attributes: { ...point.attributes }, value }
      : { attributes: { ...point.attributes }, value: value.count, sum: value.sum };
  });
  return { name: metric.descriptor.name, unit: metric.descriptor.unit, kind: kindOf(metric), points };
}

function kindOf(metric: MetricData): CollectedMetric['kind'] {
  switch (metric.dataPointType) {
    case DataPointType.HISTOGRAM:
      return 'histogram';
    case DataPointType.SUM:
      return metric.isMonotonic ? 'counter' : 'up_down_counter';
    case DataPointType.GAUGE:
      return 'gauge';
    default:
      return 'other';
  }
}

/** The points of one metric whose attributes include `attributes`. */
export function pointsOf(
  metric: CollectedMetric | undefined,
  attributes: Record<string, unknown> = {},
): CollectedPoint[] {
  return (metric?.points ?? []).filter((point) =>
    Object.entries(attributes).every(([name, value]) => point.attributes[name] === value),
  );
}

/** The sum of the values of the points that match. */
export function valueOf(metric: CollectedMetric | undefined, attributes: Record<string, unknown> = {}): number {
  return pointsOf(metric, attributes).reduce((total, point) => total + point.value, 0);
}

/** Every distinct attribute set of every metric, as text: what a back end keeps one series for. */
export function attributeSets(metrics: Map<string, CollectedMetric>): Set<string> {
  const sets = new Set<string>();
  for (const metric of metrics.values()) {
    for (const point of metric.points) sets.add(`${metric.name} ${JSON.stringify(point.attributes)}`);
  }
  return sets;
}
