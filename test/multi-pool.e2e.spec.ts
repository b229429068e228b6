import { CognitoAuthModule } from 'nestjs-cognito-auth';
import { describe, expect, it } from 'vitest';
import { MeController } from './support/fixture-app.js';
import { bearer, get } from './support/http.js';
import { useApp, useKit } from './support/kit-app.js';
import { ADAPTERS, startApp } from './support/test-app.js';

describe.each(ADAPTERS)('several user pools in one app (%s)', (adapter) => {
  const staff = useKit({ userPoolId: 'eu-west-1_Staff1', clientId: 'staff-client' });
  const customers = useKit({ userPoolId: 'us-east-1_Customers1', clientId: 'customer-client' });
  const outsider = useKit({ userPoolId: 'us-east-1_Outsider1', clientId: 'outsider-client' });
  const app = useApp(() =>
    startApp(
      {
        imports: [
          CognitoAuthModule.forRoot({
            userPools: [staff.moduleOptions(), { ...customers.moduleOptions(), tokenUse: 'any' }],
          }),
        ],
        controllers: [MeController],
      },
      { adapter },
    ),
  );

  it('accepts each pool’s tokens and says which pool the user came from', async () => {
    const staffUser = (await get(`${app.url}/me`, bearer(staff.accessToken()))).json();
    expect(staffUser).toMatchObject({ userPoolId: 'eu-west-1_Staff1', issuer: staff.issuer, clientId: 'staff-client' });
    const customer = (await get(`${app.url}/me`, bearer(customers.accessToken()))).json();
    expect(customer).toMatchObject({ userPoolId: 'us-east-1_Customers1', issuer: customers.issuer });
  });

  it('applies each pool’s own token_use and client ids', async () => {
    expect((await get(`${app.url}/me`, bearer(customers.idToken()))).status).toBe(200);
    const staffId = await get(`${app.url}/me`, bearer(staff.idToken()));
    expect(staffId.status).toBe(401);
    expect(staffId.headers['www-authenticate']).toContain('The token_use claim must be access');
    const crossClient = await get(`${app.url}/me`, bearer(staff.accessToken({ client_id: 'customer-client' })));
    expect(crossClient.status).toBe(401);
    expect(crossClient.headers['www-authenticate']).toContain('The token client_id is not an accepted client');
  });

  it('binds keys to their issuer: a token claiming one pool but signed with another pool’s key is refused', async () => {
    const forged = customers.accessToken({ iss: staff.issuer, client_id: 'staff-client' });
    const res = await get(`${app.url}/me`, bearer(forged));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('refuses tokens of a pool that is not configured', async () => {
    const res = await get(`${app.url}/me`, bearer(outsider.accessToken()));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('The token issuer is not accepted');
  });
});
