#!/usr/bin/env node
// What the deny-list check adds to each request, in process (no HTTP): the verifier's cache-hit
// path (`verifyNow` on a cached token) with the check replaced by a no-op, with an empty list,
// and with a full list (100,000 revocations in force), in alternating rounds; plus the check
// alone. Needs `npm run build` first. Usage: node scripts/bench/revocation-check.mjs [--rounds N]
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { CognitoAuthModule, CognitoRevocationService, CognitoTokenVerifier } from '../../dist/index.js';
import { createCognitoTestKit } from '../../dist/testing/index.js';

const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 15;
const CALLS_PER_ROUND = 200_000;
const FULL_LIST = 100_000;

const kit = await createCognitoTestKit();
try {
  const variants = [];
  for (const name of ['no check', 'empty list', `${FULL_LIST.toLocaleString('en')} revocations`]) {
    const app = await NestFactory.createApplicationContext(
      CognitoAuthModule.forRoot({ ...kit.moduleOptions(), globalGuard: false }),
      { logger: false },
    );
    const verifier = app.get(CognitoTokenVerifier);
    const revocations = app.get(CognitoRevocationService);
    const token = kit.accessToken();
    await verifier.verify(token); // cached from here on
    if (name === 'no check') revocations.assertNotRevoked = () => {};
    if (name.endsWith('revocations')) {
      const exp = Math.floor(Date.now() / 1000) + 3600;
      for (let index = 0; index < FULL_LIST; index++) {
        await revocations.revoke(index % 2 ? { jti: randomUUID(), exp } : { origin_jti: randomUUID(), exp });
      }
    }
    variants.push({ name, app, verifier, revocations, token, samples: [] });
  }

  const timeVerifier = ({ verifier, token }) => {
    const started = process.hrtime.bigint();
    for (let call = 0; call < CALLS_PER_ROUND; call++) {
      const user = verifier.verifyNow(token);
      if (user instanceof Promise) throw new Error('a cache hit went asynchronous');
    }
    return Number(process.hrtime.bigint() - started) / CALLS_PER_ROUND;
  };
  for (const variant of variants) timeVerifier(variant); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...variants].reverse() : variants;
    for (const variant of order) variant.samples.push(timeVerifier(variant));
  }

  const full = variants[2];
  const claims = (await full.verifier.verify(full.token)).claims;
  const checkSamples = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let call = 0; call < CALLS_PER_ROUND; call++) full.revocations.assertNotRevoked(claims);
    checkSamples.push(Number(process.hrtime.bigint() - started) / CALLS_PER_ROUND);
  }

  const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
  const baseline = median(variants[0].samples);
  console.log(`verifier cache hit, ${ROUNDS} rounds x ${CALLS_PER_ROUND.toLocaleString('en')} calls, median ns/call:`);
  for (const variant of variants) {
    const value = median(variant.samples);
    const delta =
      variant === variants[0]
        ? ''
        : ` (${value - baseline >= 0 ? '+' : ''}${(value - baseline).toFixed(1)} vs no check)`;
    console.log(`  ${variant.name.padEnd(22)} ${value.toFixed(1)} ns${delta}`);
  }
  console.log(
    `assertNotRevoked alone, ${FULL_LIST.toLocaleString('en')} revocations: ${median(checkSamples).toFixed(1)} ns/call`,
  );
  await Promise.all(variants.map((variant) => variant.app.close()));
} finally {
  await kit.close();
}
