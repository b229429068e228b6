/**
 * Several user pools listed in `userPools` on every path a token can take (REST,
 * `AuthGuard('cognito-jwt')`, GraphQL over HTTP and over graphql-ws, the socket.io handshake, a
 * gateway message, the verifier, the app as a Lambda function): each pool's tokens are admitted
 * with that pool, under its own `tokenUse` and client ids, a pool on the updated issuer host
 * (`issuerFormat: 'issuer-cognito-idp'`) included; keys stay bound to their pool, and a pool that
 * is not listed is refused without a key-set download. One app per adapter; real clients, one
 * real JWKS server per pool.
 */
import { CognitoAuthModule } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { graphqlWsModule } from './support/graphql-ws-client.js';
import { useKit, useSocketClients } from './support/kit-app.js';
import { askEveryPath, onEveryPath, PATHS_METADATA, useAppOnEveryAdapter } from './support/paths-app.js';
import { ADAPTERS } from './support/test-app.js';

const STAFF = 'eu-west-1_Staff2';
const CUSTOMERS = 'us-east-1_Customers2';
const UPDATED = 'eu-west-1_Updated2';

const staff = useKit({ userPoolId: STAFF, clientId: 'staff-client' });
const customers = useKit({ userPoolId: CUSTOMERS, clientId: 'customer-client' });
const updated = useKit({
  userPoolId: UPDATED,
  clientId: 'updated-client',
  issuer: `https://issuer-cognito-idp.eu-west-1.amazonaws.com/${UPDATED}`,
});
const outsider = useKit({ userPoolId: 'eu-west-1_Outsider2' });

const apps = useAppOnEveryAdapter((adapter) => ({
  imports: [
    CognitoAuthModule.forRoot({
      userPools: [
        staff.moduleOptions(),
        { ...customers.moduleOptions(), clientIds: ['customer-client', 'customer-web'], tokenUse: 'any' },
        {
          region: 'eu-west-1',
          userPoolId: UPDATED,
          clientId: 'updated-client',
          issuerFormat: 'issuer-cognito-idp',
          jwksUri: updated.jwksUri,
        },
      ],
    }),
    graphqlWsModule(adapter),
  ],
  ...PATHS_METADATA,
}));
const sockets = useSocketClients();

const admittedFrom = (userPoolId: string) => onEveryPath({ status: 200, userPoolId });
const REFUSED = onEveryPath({ status: 401 });

describe("each listed pool's tokens are admitted on every path, with their pool", () => {
  it.each(ADAPTERS)('staff, customers, and a pool on the updated issuer host (%s)', async (adapter) => {
    const app = apps[adapter];
    expect(await askEveryPath(app, staff.accessToken(), sockets)).toEqual(admittedFrom(STAFF));
    expect(await askEveryPath(app, customers.accessToken(), sockets)).toEqual(admittedFrom(CUSTOMERS));
    expect(await askEveryPath(app, updated.accessToken(), sockets)).toEqual(admittedFrom(UPDATED));
  });
});

describe("each pool's own tokenUse and client ids apply on every path", () => {
  it.each(ADAPTERS)(
    'token kinds: an ID token where its pool takes any kind, 401 where it takes access only (%s)',
    async (adapter) => {
      const app = apps[adapter];
      expect(await askEveryPath(app, customers.idToken(), sockets)).toEqual(admittedFrom(CUSTOMERS));
      expect(await askEveryPath(app, staff.idToken(), sockets)).toEqual(REFUSED);
    },
  );

  it.each(ADAPTERS)(
    "clients: a second client of a pool is admitted, another pool's client is 401 (%s)",
    async (adapter) => {
      const app = apps[adapter];
      const web = customers.accessToken({ client_id: 'customer-web' });
      expect(await askEveryPath(app, web, sockets)).toEqual(admittedFrom(CUSTOMERS));
      expect(await askEveryPath(app, staff.accessToken({ client_id: 'customer-client' }), sockets)).toEqual(REFUSED);
    },
  );
});

describe('keys stay bound to their pool on every path', () => {
  it.each(ADAPTERS)("staff claims signed with the customers' key: 401 everywhere (%s)", async (adapter) => {
    const app = apps[adapter];
    const forged = staff.accessToken({}, { key: customers.currentKey });
    expect(await askEveryPath(app, forged, sockets)).toEqual(REFUSED);
    const claimed = customers.accessToken({ iss: staff.issuer, client_id: 'staff-client' });
    expect(await askEveryPath(app, claimed, sockets)).toEqual(REFUSED);
  });

  it.each(ADAPTERS)('the classic host for the pool listed on the updated one: 401 everywhere (%s)', async (adapter) => {
    const classic = updated.accessToken({ iss: `https://cognito-idp.eu-west-1.amazonaws.com/${UPDATED}` });
    expect(await askEveryPath(apps[adapter], classic, sockets)).toEqual(REFUSED);
  });
});

describe('a pool that is not listed is refused on every path, with no key-set download', () => {
  it.each(ADAPTERS)('401 everywhere (%s)', async (adapter) => {
    expect(await askEveryPath(apps[adapter], outsider.accessToken(), sockets)).toEqual(REFUSED);
    expect(outsider.jwksRequestCount).toBe(0);
  });
});
