export interface SampleAppPool {
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
  readonly issuer: string;
  readonly jwksUri: string;
}

export function sampleAppEnv(pool: SampleAppPool, env?: Record<string, string>): Record<string, string>;
