import type { ContextAdapter } from './context-adapter.interface.js';
import { httpContext } from './http.context.js';

/**
 * Requests authenticated by the Passport strategy (`AuthGuard('cognito-jwt')`): HTTP requests,
 * whose principal Passport places itself (`request.user`) and whose refusals Passport reports.
 */
export const passportContext: ContextAdapter = {
  ...httpContext,
  transport: 'passport',
  placeUser(request, _principal, user) {
    request.cognitoUser = user;
  },
};
