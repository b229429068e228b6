import type { ContextAdapter } from './context-adapter.interface.js';
import { httpContext, setResponseHeaders } from './http.context.js';

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

/**
 * Sets a refusal's headers on the response of a request Passport authenticates: Express links
 * the request to its response; Fastify's request does not, its socket's current response does.
 */
export function setPassportResponseHeaders(request: any, headers: Readonly<Record<string, string>>): void {
  setResponseHeaders(request.res ?? request.raw?.socket?._httpMessage, headers);
}
