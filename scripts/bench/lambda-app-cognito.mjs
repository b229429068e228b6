// The bench app with CognitoAuthModule.forRoot (its global guard): GET /me answers the token's user.
import { CognitoAuthModule } from 'nestjs-cognito-auth';
import { createLambdaHandler, defineAppModule } from './lambda-bench-app.mjs';

export function createHandler(cognitoOptions) {
  return createLambdaHandler(defineAppModule([CognitoAuthModule.forRoot(cognitoOptions)], (request) => request.user));
}
