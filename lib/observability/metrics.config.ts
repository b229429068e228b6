import { CognitoAuthConfigError } from '../errors/cognito-auth.errors.js';
import type { CognitoMetricsOptions } from '../interfaces/cognito-auth-options.interface.js';

/** The `metrics` option after validation: `false`, or where the metrics go. */
export type ResolvedMetricsConfig = false | CognitoMetricsOptions;

export function resolveMetricsConfig(metrics: unknown): ResolvedMetricsConfig {
  if (metrics === false) return false;
  if (metrics === undefined) return {};
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
    throw new CognitoAuthConfigError('metrics must be false or an object ({ meterProvider? })');
  }
  const { meterProvider, ...rest } = metrics as CognitoMetricsOptions & Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw new CognitoAuthConfigError(`metrics: unknown option ${unknown.join(', ')} (known: meterProvider)`);
  }
  if (meterProvider !== undefined && typeof (meterProvider as { getMeter?: unknown })?.getMeter !== 'function') {
    throw new CognitoAuthConfigError('metrics.meterProvider must be an OpenTelemetry MeterProvider (with getMeter())');
  }
  return { meterProvider };
}
