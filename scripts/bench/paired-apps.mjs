// Child entry of the bench's reused-token scenarios: the sample app (as sample-app/dist/main.js
// builds it) on PORT and its control (control-app.mjs) on CONTROL_PORT, in one process.
// One process for both: two identical server processes differ here by about 2 µs of CPU per
// request (7% of a Fastify request), as much as the module's own cost; in one process the pair
// shares the heap, the JIT and the CPU it is pinned to.
// The control's user is the sample app's own /me answer for BENCH_CONTROL_TOKEN.
import 'reflect-metadata';
import { createSampleApp } from '../../sample-app/dist/create-sample-app.js';
import { readSampleConfig } from '../../sample-app/dist/sample-config.js';
import { createControlApp } from './control-app.mjs';
import { httpGet } from './server.mjs';

const config = readSampleConfig(process.env);
const controlPort = Number(process.env.CONTROL_PORT);
const token = process.env.BENCH_CONTROL_TOKEN;
if (!controlPort || !token) throw new Error('paired apps: CONTROL_PORT and BENCH_CONTROL_TOKEN are required');

const sample = await createSampleApp(config, { logger: ['error'] });
sample.enableShutdownHooks();
await sample.listen(config.port, config.host);

const me = await httpGet(`http://${config.host}:${config.port}/me`, { authorization: `Bearer ${token}` });
if (me.status !== 200) throw new Error(`paired apps: GET /me answered ${me.status}`);
const control = await createControlApp(config, JSON.parse(me.body));
await control.listen(controlPort, config.host);
process.once('SIGTERM', () => void control.close());
