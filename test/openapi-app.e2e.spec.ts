/**
 * applyCognitoSecurity(document, { app }): the fallback policy comes from the running app's
 * module, with forRoot and forRootAsync, so it is written once; an explicit fallbackPolicy still
 * wins; @TokenUse shows as a 401 and @UserPools as a 403, each with its extension.
 */
import { Module, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import {
  CognitoAuthModule,
  type CognitoAuthOptions,
  type CognitoAuthorizationRules,
  Public,
  TokenUse,
  UserPools,
} from 'nestjs-cognito-auth';
import { addCognitoBearerAuth, applyCognitoSecurity } from 'nestjs-cognito-auth/swagger';
import { beforeAll, describe, expect, it } from 'vitest';
import { useAppsClosedAfterAll, useKit } from './support/kit-app.js';
import { okController } from './support/rule-handlers.js';
import { startApp } from './support/test-app.js';

const DocumentedController = okController('docs-app', {
  default: [],
  'id-only': [TokenUse('id')],
  'other-pools': [UserPools('us-east-1_Other1', 'us-east-1_Other2')],
  public: [Public()],
});

const kit = useKit();
const running = useAppsClosedAfterAll();

const fallbackPolicy = (): CognitoAuthorizationRules => ({
  groups: ['staff'],
  tokenUse: 'access',
  userPools: [kit.userPoolId],
});

async function documentOf(imports: NonNullable<ModuleMetadata['imports']>, options = {}): Promise<any> {
  const app = await startApp({ imports, controllers: [DocumentedController] });
  running.push(app);
  const config = addCognitoBearerAuth(new DocumentBuilder().setTitle('from the app')).build();
  return applyCognitoSecurity(SwaggerModule.createDocument(app.app, config), { app: app.app, ...options });
}

describe.each<[string, () => NonNullable<ModuleMetadata['imports']>]>([
  [
    'forRoot',
    () => [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), tokenUse: 'any', fallbackPolicy: fallbackPolicy() })],
  ],
  [
    'forRootAsync',
    () => [
      CognitoAuthModule.forRootAsync({
        useFactory: async (): Promise<CognitoAuthOptions> => ({
          ...kit.moduleOptions(),
          tokenUse: 'any',
          fallbackPolicy: fallbackPolicy(),
        }),
      }),
    ],
  ],
])('applyCognitoSecurity(document, { app }) with %s', (_name, imports) => {
  let document: any;
  beforeAll(async () => {
    document = await documentOf(imports());
  });
  const op = (path: string) => document.paths[path].get;

  it('routes without rules of their own show the fallback policy: its extensions, 401 and 403', () => {
    expect(op('/docs-app/default')).toMatchObject({
      'x-required-groups': ['staff'],
      'x-token-use': ['access'],
      'x-user-pools': [kit.userPoolId],
      security: [{ cognito: [] }],
    });
    expect(op('/docs-app/default').responses['401'].description).toContain('takes access tokens only');
    expect(op('/docs-app/default').responses['403'].description).toContain('staff');
  });

  it('@TokenUse shows its kind and a 401 that says so; its own rule replaces the fallback', () => {
    expect(op('/docs-app/id-only')['x-token-use']).toEqual(['id']);
    expect(op('/docs-app/id-only').responses['401'].description).toContain('takes id tokens only');
    expect(op('/docs-app/id-only')['x-required-groups']).toBeUndefined();
    expect(op('/docs-app/id-only').responses['403']).toBeUndefined();
  });

  it('@UserPools shows its pools and a 403', () => {
    expect(op('/docs-app/other-pools')['x-user-pools']).toEqual(['us-east-1_Other1', 'us-east-1_Other2']);
    expect(op('/docs-app/other-pools').responses['403'].description).toContain('us-east-1_Other1');
  });

  it('@Public() routes show no rule', () => {
    expect(op('/docs-app/public').security).toEqual([]);
    expect(op('/docs-app/public')['x-required-groups']).toBeUndefined();
  });
});

describe('applyCognitoSecurity: the options beside { app }', () => {
  it('an explicit fallbackPolicy wins over the app’s', async () => {
    const document = await documentOf(
      [CognitoAuthModule.forRoot({ ...kit.moduleOptions(), fallbackPolicy: fallbackPolicy() })],
      { fallbackPolicy: { notGroups: ['suspended'] } },
    );
    const op = document.paths['/docs-app/default'].get;
    expect(op['x-excluded-groups']).toEqual(['suspended']);
    expect(op['x-required-groups']).toBeUndefined();
  });

  it('an app without a fallback policy: routes without rules show none', async () => {
    const document = await documentOf([CognitoAuthModule.forRoot(kit.moduleOptions())]);
    expect(document.paths['/docs-app/default'].get.responses['403']).toBeUndefined();
    expect(document.paths['/docs-app/default'].get.security).toEqual([{ cognito: [] }]);
  });

  it('an app without CognitoAuthModule is an error that says so', async () => {
    @Module({ controllers: [DocumentedController] })
    class WithoutCognito {}
    const app = await NestFactory.create(WithoutCognito, { logger: false });
    try {
      const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
      expect(() => applyCognitoSecurity(document, { app })).toThrow(/does not import CognitoAuthModule/);
    } finally {
      await app.close();
    }
  });
});
