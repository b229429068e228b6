// One autocannon run (in this process) against the sample app child.
import autocannon from 'autocannon';

/**
 * @param {object} o
 * @param {string} o.url       base URL of the app
 * @param {string} o.path      /health or /me
 * @param {number} o.connections
 * @param {number} [o.duration] seconds (ignored when `amount` is set)
 * @param {number} [o.amount]  total requests
 * @param {string} [o.token]   one bearer token for every request
 * @param {{tokens: string[], cursor: number}} [o.distinct] a new token per request from tokens[cursor++];
 *        when they run out the run is stopped and `exhausted` is reported (the result is then invalid);
 *        `sendRate` is then reported as well
 * @param {object} [o.server]  SampleAppProcess, to read its CPU time around the run
 */
export async function runLoad({ url, path, connections, duration, amount, token, distinct, server }) {
  const request = { method: 'GET', path };
  let exhausted = false;
  if (token) request.headers = { authorization: `Bearer ${token}` };
  let instance;
  let firstSentAt;
  let lastSentAt;
  let sent = 0;
  if (distinct) {
    request.setupRequest = (req) => {
      lastSentAt = performance.now();
      firstSentAt ??= lastSentAt;
      sent += 1;
      let next = distinct.tokens[distinct.cursor];
      if (next === undefined) {
        if (!exhausted) {
          exhausted = true;
          setImmediate(() => instance.stop());
        }
        next = distinct.tokens[distinct.tokens.length - 1];
      } else {
        distinct.cursor += 1;
      }
      req.headers.authorization = `Bearer ${next}`;
      return req;
    };
  }
  const cpuBefore = server?.cpuMs();
  const ownCpuBefore = process.cpuUsage();
  const started = performance.now();
  instance = autocannon({
    url,
    connections,
    pipelining: 1,
    ...(amount ? { amount } : { duration }),
    requests: [request],
    timeout: 10,
  });
  const result = await instance;
  const elapsedMs = performance.now() - started;
  const cpuMs = server ? server.cpuMs() - cpuBefore : undefined;
  const ownCpu = process.cpuUsage(ownCpuBefore);
  const total = result.requests.total;
  return {
    reqPerSec: (total / elapsedMs) * 1000,
    autocannonAverageReqPerSec: result.requests.average,
    total,
    elapsedMs,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, Number(count)]),
    ),
    serverCpuMs: cpuMs,
    serverCpuUsPerRequest: cpuMs === undefined || total === 0 ? undefined : (cpuMs * 1000) / total,
    serverCpuPercent: cpuMs === undefined ? undefined : (cpuMs / elapsedMs) * 100,
    loadGeneratorCpuPercent: ((ownCpu.user + ownCpu.system) / 1000 / elapsedMs) * 100,
    exhausted,
    // Requests sent per second between the first and the last request (closed loop, so ≈ the
    // completion rate); unlike total/elapsed it is not diluted by autocannon's start and stop.
    sendRate: sent > 1 ? ((sent - 1) / (lastSentAt - firstSentAt)) * 1000 : undefined,
  };
}
