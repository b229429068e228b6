import { type CanActivate, Controller, type ExecutionContext, Get, Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CognitoAuthGuard,
  CognitoAuthModule,
  type CognitoAuthOptions,
  type CognitoAuthOptionsFactory,
  CognitoTokenVerifier,
  CurrentUser,
} from 'nestjs-cognito-auth';
import { generateKeyPairSync } from 'node:crypto';
import passport from 'passport';
import { describe, expect, it } from 'vitest';

const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const options: CognitoAuthOptions = {
  region: 'eu-west-1',
  userPoolId: 'eu-west-1_Wiring',
  clientId: 'client',
  jwks: { keys: [{ kid: 'k1', ...publicKey.export({ format: 'jwk' }) }] },
};

@Controller('me')
class MeController {
  @Get()
  me(@CurrentUser('sub') sub: string) {
    return { sub };
  }
}

@Injectable()
class OptionsFactory implements CognitoAuthOptionsFactory {
  createCognitoAuthOptions() {
    return options;
  }
}

const globalGuardsOf = async (moduleImport: Parameters<typeof Test.createTestingModule>[0]['imports']) => {
  const moduleRef = await Test.createTestingModule({ imports: moduleImport }).compile();
  const app = moduleRef.createNestApplication();
  await app.init();
  const guards = (app as any).config.getGlobalGuards() as CanActivate[];
  const verifier = app.get(CognitoTokenVerifier);
  await app.close();
  return { guards, verifier };
};

describe('module wiring', () => {
  it('forRoot provides the verifier and registers one global guard', async () => {
    const { guards, verifier } = await globalGuardsOf([CognitoAuthModule.forRoot(options)]);
    expect(verifier).toBeInstanceOf(CognitoTokenVerifier);
    expect(guards).toHaveLength(1);
  });

  it('globalGuard: false registers no global guard', async () => {
    const { guards } = await globalGuardsOf([CognitoAuthModule.forRoot({ ...options, globalGuard: false })]);
    expect(guards).toHaveLength(0);
  });

  it.each([
    ['useFactory', { useFactory: () => options }],
    ['useClass', { useClass: OptionsFactory }],
  ])('forRootAsync with %s provides the same services', async (_name, asyncOptions) => {
    const { guards, verifier } = await globalGuardsOf([CognitoAuthModule.forRootAsync(asyncOptions)]);
    expect(verifier).toBeInstanceOf(CognitoTokenVerifier);
    expect(guards).toHaveLength(1);
  });

  it("registers the Passport strategy 'cognito-jwt' on Passport itself", async () => {
    await globalGuardsOf([CognitoAuthModule.forRoot(options)]);
    expect((passport as any)._strategy('cognito-jwt')).toBeDefined();
  });
});

describe('overrideGuard(CognitoAuthGuard) in a testing module', () => {
  it('replaces the global guard', async () => {
    const seen: string[] = [];
    const moduleRef = await Test.createTestingModule({
      imports: [CognitoAuthModule.forRoot(options)],
      controllers: [MeController],
    })
      .overrideGuard(CognitoAuthGuard)
      .useValue({
        canActivate(context: ExecutionContext) {
          seen.push(context.getHandler().name);
          context.switchToHttp().getRequest().user = { sub: 'stand-in' };
          return true;
        },
      })
      .compile();
    const app = moduleRef.createNestApplication();
    await app.listen(0, '127.0.0.1');
    try {
      const { port } = app.getHttpServer().address();
      const res = await fetch(`http://127.0.0.1:${port}/me`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ sub: 'stand-in' });
      expect(seen).toEqual(['me']);
    } finally {
      await app.close();
    }
  });
});
