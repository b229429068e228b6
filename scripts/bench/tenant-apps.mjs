// Child entry of the many-tenant scenario (scripts/bench/tenants.mjs): two builds of the sample
// app in one process, as paired-apps.mjs pairs the sample app with its twins:
//  - sample: the sample app as configured by the environment, one static pool;
//  - tenants: the same app whose `userPools` is a resolver answering from memory for
//    BENCH_TENANTS pools `us-east-1_Tenant<n>`, each with its own issuer and key-set URL under
//    BENCH_TENANT_ORIGIN (the bench's key-set server).
// Ports from BENCH_PORTS ({"sample": 4001, "tenants": 4002}).
import 'reflect-metadata';
import { createSampleApp } from '../../sample-app/dist/create-sample-app.js';
import { readSampleConfig } from '../../sample-app/dist/sample-config.js';
import { tenantPoolIds } from './tenant-pools.mjs';

const config = readSampleConfig(process.env);
const ports = JSON.parse(process.env.BENCH_PORTS ?? '{}');
const origin = process.env.BENCH_TENANT_ORIGIN;
const count = Number(process.env.BENCH_TENANTS);
if (!origin || !(count > 0)) throw new Error('tenant apps: BENCH_TENANT_ORIGIN and BENCH_TENANTS are required');

/** The module options of the sample app, without those of its one pool. */
const POOL_FIELDS = new Set(['region', 'userPoolId', 'clientId', 'clientIds', 'tokenUse', 'issuer', 'jwksUri']);
const moduleOptions = Object.fromEntries(Object.entries(config.cognito).filter(([name]) => !POOL_FIELDS.has(name)));
const { clientIds, tokenUse } = config.cognito;
/** The tenants table, in memory: issuer → pool, as a database row would give it. */
const tenants = new Map(
  tenantPoolIds(count).map((id) => {
    const tenantIssuer = `${origin}/${id}`;
    return [
      tenantIssuer,
      { userPoolId: id, clientIds, tokenUse, issuer: tenantIssuer, jwksUri: `${tenantIssuer}/.well-known/jwks.json` },
    ];
  }),
);
const tenantsConfig = {
  ...config,
  cognito: {
    ...moduleOptions,
    userPools: (asked) => tenants.get(asked) ?? null,
    issuerPattern: /^http:\/\/127\.0\.0\.1:\d+\/us-east-1_Tenant\d+$/,
  },
};

const started = [];
for (const [name, appConfig] of [
  ['sample', config],
  ['tenants', tenantsConfig],
]) {
  const app = await createSampleApp({ ...appConfig, port: ports[name] }, { logger: ['error'] });
  app.enableShutdownHooks();
  await app.listen(ports[name], config.host);
  started.push(app);
}
process.once('SIGTERM', () => {
  for (const app of started) void app.close();
});
