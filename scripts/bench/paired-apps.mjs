// Child entry of the bench's servers: the apps named in BENCH_APPS, in one process, each on its
// port from BENCH_PORTS ({"sample": 4001, "raw": 4002, …}):
//  - sample: the sample app, as sample-app/dist/main.js builds it; any other name that starts
//    with "sample" is the sample app again, with its variables from BENCH_APP_ENV
//    ({"sampleTransform": {"COGNITO_PROFILES": "demo"}}) over the process's;
//  - control, raw, aws: its twins (twin-apps.mjs); control hands out the sample app's own /me
//    answer for BENCH_CONTROL_TOKEN, raw and aws verify with the key set in BENCH_JWKS.
// One process for the apps that are compared: two identical server processes differ here by
// about as much CPU per request as the module's own cost; in one process the apps share the
// heap, the JIT and the CPU they are pinned to.
import 'reflect-metadata';
import { createSampleApp } from '../../sample-app/dist/create-sample-app.js';
import { readSampleConfig } from '../../sample-app/dist/sample-config.js';
import { createTwinApp, createTwinGuard } from './twin-apps.mjs';
import { httpGet } from './server.mjs';

const config = readSampleConfig(process.env);
const names = (process.env.BENCH_APPS ?? 'sample').split(',');
const ports = JSON.parse(process.env.BENCH_PORTS ?? '{}');
const jwks = process.env.BENCH_JWKS ? JSON.parse(process.env.BENCH_JWKS) : undefined;
const appEnv = JSON.parse(process.env.BENCH_APP_ENV ?? '{}');
const started = [];

for (const name of names.filter(isSampleApp)) {
  const appConfig = readSampleConfig({ ...process.env, ...appEnv[name] });
  const sample = await createSampleApp({ ...appConfig, port: ports[name] }, { logger: ['error'] });
  sample.enableShutdownHooks();
  await sample.listen(ports[name], appConfig.host);
  started.push(sample);
}
let user;
if (names.includes('control')) {
  const token = process.env.BENCH_CONTROL_TOKEN;
  if (!token || !ports.sample) throw new Error('paired apps: the control needs the sample app and BENCH_CONTROL_TOKEN');
  const me = await httpGet(`http://${config.host}:${ports.sample}/me`, { authorization: `Bearer ${token}` });
  if (me.status !== 200) throw new Error(`paired apps: GET /me answered ${me.status}`);
  user = JSON.parse(me.body);
}
for (const name of names) {
  if (isSampleApp(name)) continue;
  const app = await createTwinApp(config, createTwinGuard(name, { config, user, jwks }));
  await app.listen(ports[name], config.host);
  started.push(app);
}
process.once('SIGTERM', () => {
  for (const app of started) void app.close();
});

function isSampleApp(name) {
  return name.startsWith('sample');
}
