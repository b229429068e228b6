import { Logger } from '@nestjs/common';
import { createSampleLambda } from './lambda-handler.js';

/**
 * The sample app on AWS Lambda: `handler` answers API Gateway HTTP API (payload 2.0), REST API
 * (payload 1.0) and ALB events with the same routes and answers as the server.
 *
 * The bootstrap runs when the module loads, in Lambda's init phase (limited to 10 s): with
 * `COGNITO_PRELOAD_KEYS=best-effort` the key set is downloaded there, not in the first invocation.
 */
const lambda = createSampleLambda(process.env);

// Awaited here, so the init phase waits for it. A failure is not kept: the first invocation
// bootstraps again and answers with what it gets.
await lambda.bootstrap().catch((error: unknown) => {
  new Logger('SampleApp').error(`Bootstrap failed; the next invocation tries again: ${(error as Error).message}`);
});

export const handler = lambda.handler;
