// A pool of distinct, valid access tokens minted for the test kit's current key.
// Minting costs ~0.3 ms of CPU per token (an RSA-2048 signature), so it runs in worker threads,
// one per core; a sample is checked against kit.accessToken() (same header and claim names, a
// signature the kit's public key accepts) and minting falls back to the kit if that ever differs.
import { verify } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { decodeJwtPart } from '../../dist/testing/index.js';

const DIST_TESTING = new URL('../../dist/testing', import.meta.url).href;
const CHUNK = 500;

export class TokenPool {
  /** @param kit a CognitoTestKit from dist/testing */
  constructor(kit) {
    this.kit = kit;
    this.tokens = [];
    this.workers = [];
    this.mintMs = 0;
    this.useWorkers = true;
  }

  get size() {
    return this.tokens.length;
  }

  /** Mints until the pool holds at least `count` tokens. */
  async ensure(count) {
    const missing = count - this.tokens.length;
    if (missing <= 0) return;
    const started = performance.now();
    if (this.useWorkers) {
      try {
        await this.mintWithWorkers(missing);
      } catch (error) {
        process.stderr.write(`bench: minting in workers failed (${error.message}); minting in-process\n`);
        this.useWorkers = false;
      }
    }
    while (this.tokens.length < count) this.tokens.push(this.kit.accessToken());
    this.mintMs += performance.now() - started;
  }

  async close() {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    this.workers = [];
  }

  async mintWithWorkers(missing) {
    if (this.workers.length === 0) await this.startWorkers();
    let remaining = missing;
    const results = [];
    const runWorker = async (worker) => {
      while (remaining > 0) {
        const count = Math.min(CHUNK, remaining);
        remaining -= count;
        results.push(await mintChunk(worker, count));
      }
    };
    await Promise.all(this.workers.map(runWorker));
    for (const chunk of results) for (const token of chunk) this.tokens.push(token);
  }

  async startWorkers() {
    const { kid, privateKey } = this.kit.currentKey;
    const workerData = {
      distTesting: DIST_TESTING,
      privateKey,
      kid,
      issuer: this.kit.issuer,
      clientId: this.kit.clientId,
    };
    const count = Math.max(1, availableParallelism());
    this.workers = Array.from({ length: count }, () => {
      const worker = new Worker(new URL('./mint-worker.mjs', import.meta.url), { workerData });
      worker.unref();
      return worker;
    });
    const [sample] = await mintChunk(this.workers[0], 1);
    assertSameShape(sample, this.kit.accessToken(), this.kit.currentKey.publicKey);
  }
}

function mintChunk(worker, count) {
  return new Promise((resolve, reject) => {
    const onError = (error) => {
      worker.off('message', onMessage);
      reject(error);
    };
    const onMessage = (tokens) => {
      worker.off('error', onError);
      resolve(tokens);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.postMessage({ count });
  });
}

function assertSameShape(minted, reference, publicKey) {
  const [h1, p1] = minted.split('.');
  const [h2, p2] = reference.split('.');
  const keys = (part) => Object.keys(decodeJwtPart(part)).sort().join(',');
  if (keys(h1) !== keys(h2) || keys(p1) !== keys(p2)) {
    throw new Error('worker-minted tokens differ in shape from kit.accessToken()');
  }
  const dot = minted.lastIndexOf('.');
  if (
    !verify('RSA-SHA256', Buffer.from(minted.slice(0, dot)), publicKey, Buffer.from(minted.slice(dot + 1), 'base64url'))
  ) {
    throw new Error('worker-minted token has a bad signature');
  }
}
