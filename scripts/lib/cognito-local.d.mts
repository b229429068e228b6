// Types for scripts/lib/cognito-local.mjs (see the comment at the top of that file for the
// emulator's issuer, JWKS and token claims).
import type { ChildProcess } from 'node:child_process';
import type {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommandInput,
} from '@aws-sdk/client-cognito-identity-provider';

export declare const HOST: '127.0.0.1';
/** The emulator's region: its pool ids are always `local_XXXXXXXX`. */
export declare const EMULATOR_REGION: 'local';
export declare const JWKS_PATH: '/.well-known/jwks.json';

export interface CognitoLocalHandle {
  /** `http://127.0.0.1:<port>` (the SDK endpoint and the issuer's prefix). */
  endpoint: string;
  host: '127.0.0.1';
  port: number;
  pid: number;
  /** `<tmp>/.cognito`, removed by stop(). */
  dataDir: string;
  child: ChildProcess;
  /** The last 100 lines of the emulator's output, colours removed (for diagnostics). */
  logs(): string[];
  /** Kills the child by pid (SIGTERM, SIGKILL after 5 s), waits for it, removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Fixed port; by default a free one is picked (and retried up to 3 times). */
  port?: number;
}

export interface PoolUser {
  username: string;
  password: string;
  /** Groups to create and add the user to. */
  groups?: string[];
  /** Extra user attributes (`email` defaults to `<username>@example.com`, `email_verified` to "true"). */
  attributes?: Record<string, string>;
}

export interface CreatePoolOptions {
  users?: PoolUser[];
  /** Also create a second app client (returned as secondClientId). */
  extraClient?: boolean;
  poolName?: string;
  /** Merged into CreateUserPoolClient, e.g. { AccessTokenValidity: 5, TokenValidityUnits: { AccessToken: 'seconds' } }. */
  clientOptions?: Partial<CreateUserPoolClientCommandInput>;
}

export interface CreatedPool {
  userPoolId: string;
  clientId: string;
  secondClientId?: string;
  /** `http://127.0.0.1:<port>/<userPoolId>` */
  issuer: string;
  /** `<issuer>/.well-known/jwks.json` */
  jwksUri: string;
  region: 'local';
}

export interface SignInInput {
  clientId: string;
  username: string;
  password: string;
}

export interface SignInTokens {
  accessToken: string;
  idToken: string;
  refreshToken: string;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

export declare function findFreePort(): Promise<number>;
export declare function startCognitoLocal(options?: StartOptions): Promise<CognitoLocalHandle>;
export declare function createPoolWithUsers(endpoint: string, options?: CreatePoolOptions): Promise<CreatedPool>;
export declare function signIn(endpoint: string, input: SignInInput): Promise<SignInTokens>;
export declare function makeClient(endpoint: string): CognitoIdentityProviderClient;
export declare function decodeJwt(token: string): DecodedJwt;
export declare function isProcessAlive(pid: number): boolean;
export declare function killChild(child: ChildProcess, timeoutMs?: number): Promise<void>;
