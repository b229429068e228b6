// What observability adds to a reused token, in process, in µs per request: the module's guard
// (from dist: run `npm run build` first) on one token served from the token cache, with nothing
// subscribed, with a no-op diagnostics_channel subscriber, and with metrics on an SDK
// MeterProvider; beside it, what the SDK's `histogram.record` costs alone with the attribute set
// of such a request, the part of the metrics the module cannot avoid, and metrics on a provider
// without a reader (the SDK keeps nothing: the module's part). Many short rounds, paired
// (see runInProcess): a quick measure for a busy machine, without HTTP.
//   node scripts/bench/metrics-cost.mjs [--rounds N] [--requests N]
import { parseArgs } from 'node:util';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createCognitoTestKit } from '../../dist/testing/index.js';
import { QuietReader, runInProcess } from './metrics.mjs';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '15' }, requests: { type: 'string', default: '50000' } },
});
const rounds = Number(values.rounds);
const requests = Number(values.requests);

/** CPU µs per call of `histogram.record` with one frozen attribute set, as the module records a cached success. */
function sdkRecordUs(userPoolId, calls) {
  const meterProvider = new MeterProvider({ readers: [new QuietReader()] });
  const histogram = meterProvider.getMeter('bench').createHistogram('bench.duration', { unit: 's' });
  const attributes = Object.freeze({
    'cognito_auth.result': 'success',
    'http.response.status_code': 200,
    'cognito_auth.token_cache.result': 'hit',
    'cognito_auth.transport': 'http',
    'cognito_auth.user_pool.id': userPoolId,
  });
  const time = () => {
    const started = process.cpuUsage();
    for (let call = 0; call < calls; call += 1) histogram.record(0.000002, attributes);
    const { user, system } = process.cpuUsage(started);
    return (user + system) / calls;
  };
  time(); // warm-up
  const us = time();
  void meterProvider.shutdown();
  return us;
}

const kit = await createCognitoTestKit();
try {
  const result = await runInProcess(kit, requests, rounds, { withoutReader: true });
  const sdkUs = sdkRecordUs(kit.userPoolId, requests * 4);
  const us = (value) => `${value.toFixed(2)} µs`;
  console.log(`reused token, the guard in process: ${rounds} paired rounds of ${requests} requests each`);
  console.log(`  nothing subscribed:                ${us(result.usPerRequest)} per request (median)`);
  console.log(`  a no-op diagnostics subscriber:  + ${us(result.addedBySubscriberUs)} (median of paired differences)`);
  console.log(`  metrics on an SDK MeterProvider: + ${us(result.addedByMetricsUs)} (median of paired differences)`);
  console.log(`  of which the SDK's histogram.record alone: ${us(sdkUs)} per call`);
  console.log(
    `  metrics on a MeterProvider without a reader: + ${us(result.addedByMetricsWithoutReaderUs)} (the module and its events)`,
  );
} finally {
  await kit.close();
}
