import 'reflect-metadata';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiBearerAuth, ApiSecurity, DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Public } from 'nestjs-cognito-auth';
import { addCognitoBearerAuth, applyCognitoSecurity } from 'nestjs-cognito-auth/swagger';
import { beforeAll, describe, expect, it } from 'vitest';
import { okController } from './support/rule-handlers.js';

const OwnSecurityController = okController('own', {
  'public-with-key': [Public(), ApiSecurity('api-key')],
  'protected-with-key': [ApiSecurity('api-key')],
  'protected-with-other-bearer': [ApiBearerAuth('other')],
  public: [Public()],
  protected: [],
});

// A controller-level Cognito requirement (a common hand-written setup) must not make its
// @Public() handlers look protected.
const DeclaredCognitoController = okController(
  'declared-cognito',
  { public: [Public()], protected: [] },
  ApiBearerAuth('cognito'),
);

@Module({ controllers: [OwnSecurityController, DeclaredCognitoController] })
class OwnSecurityModule {}

/** The document only needs the routes' metadata: the app is built but never listens. */
async function buildDocument(
  configure: (builder: DocumentBuilder) => DocumentBuilder = (b) => b,
): Promise<OpenAPIObject> {
  const app: INestApplication = await NestFactory.create(OwnSecurityModule, { logger: false, abortOnError: false });
  try {
    const builder = configure(
      addCognitoBearerAuth(new DocumentBuilder()).addApiKey(
        { type: 'apiKey', in: 'header', name: 'x-api-key' },
        'api-key',
      ),
    );
    return applyCognitoSecurity(SwaggerModule.createDocument(app, builder.build()));
  } finally {
    await app.close();
  }
}

describe('applyCognitoSecurity keeps the security a route declared itself', () => {
  let document: OpenAPIObject;
  const security = (path: string) => document.paths[path].get!.security;

  beforeAll(async () => {
    document = await buildDocument();
  });

  it('leaves a @Public() route its own requirement and adds no Cognito one', () => {
    expect(security('/own/public-with-key')).toEqual([{ 'api-key': [] }]);
  });

  it('keeps a protected route own requirement and adds the Cognito bearer scheme next to it', () => {
    expect(security('/own/protected-with-key')).toEqual([{ 'api-key': [] }, { cognito: [] }]);
    expect(security('/own/protected-with-other-bearer')).toEqual([{ other: [] }, { cognito: [] }]);
  });

  it('still marks routes without a declaration of their own', () => {
    expect(security('/own/public')).toEqual([]);
    expect(security('/own/protected')).toEqual([{ cognito: [] }]);
  });

  it('does not repeat a Cognito requirement the route already declares, and drops it from @Public() routes', () => {
    expect(security('/declared-cognito/protected')).toEqual([{ cognito: [] }]);
    expect(security('/declared-cognito/public')).toEqual([]);
  });
});

describe('applyCognitoSecurity keeps document-wide requirements', () => {
  let document: OpenAPIObject;
  const security = (path: string) => document.paths[path].get!.security;

  beforeAll(async () => {
    document = await buildDocument((builder) => builder.addSecurityRequirements('api-key'));
  });

  it('adds the Cognito requirement next to the inherited one on protected routes', () => {
    expect(security('/own/protected')).toEqual([{ 'api-key': [] }, { cognito: [] }]);
  });

  it('lets @Public() routes keep the inherited requirement', () => {
    expect(security('/own/public')).toEqual([{ 'api-key': [] }]);
  });
});
