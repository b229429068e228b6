// The bench app without nestjs-cognito-auth: GET /me answers a fixed user.
import { createLambdaHandler, defineAppModule } from './lambda-bench-app.mjs';

export function createHandler() {
  return createLambdaHandler(defineAppModule([], () => ({ sub: 'fixed' })));
}
