// Worker thread of tokens.mjs: mints access tokens exactly as CognitoTestKit.accessToken() does
// (same default claims, same header, same signer, from the built testing kit), so that minting
// tens of thousands of distinct tokens uses every core.
import { parentPort, workerData } from 'node:worker_threads';

const { distTesting, privateKey, kid, issuer, clientId } = workerData;
const { signJwt } = await import(`${distTesting}/token-signer.js`);
const { defaultAccessClaims, nowInSeconds } = await import(`${distTesting}/cognito-claims.js`);

parentPort.on('message', ({ count }) => {
  const tokens = new Array(count);
  const header = { kid, alg: 'RS256' };
  for (let i = 0; i < count; i += 1) {
    tokens[i] = signJwt(header, defaultAccessClaims({ issuer, clientId }, nowInSeconds()), privateKey);
  }
  parentPort.postMessage(tokens);
});
