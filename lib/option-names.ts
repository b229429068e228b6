import type { CognitoAuthOptions, CognitoUserPoolOptions } from './interfaces/cognito-auth-options.interface.js';

/**
 * Every option name the module knows, checked when the app starts so that a typo
 * (`tokenCokie`) fails the start-up instead of being ignored; TypeScript catches it only in
 * a `forRoot` object literal, never in a `forRootAsync` factory.
 *
 * ADDING AN OPTION? Add its name here too (pool-level names to POOL_OPTION_NAMES, the others to
 * MODULE_OPTION_NAMES), or the start-up refuses it as unknown. A renamed option keeps its old
 * name here while it is deprecated. The type checks below fail the build when this list and
 * the options interfaces disagree.
 */
export const POOL_OPTION_NAMES = [
  'region',
  'userPoolId',
  'clientId',
  'clientIds',
  'tokenUse',
  'resourceAudiences',
  'issuerFormat',
  'issuer',
  'jwksUri',
  'jwks',
] as const satisfies readonly (keyof CognitoUserPoolOptions)[];

/** Options of the module as a whole (not of one pool). See POOL_OPTION_NAMES before adding one. */
export const MODULE_OPTION_NAMES = [
  'userPools',
  'issuerPattern',
  'userPoolCacheTtlMs',
  'userPoolCacheMaxEntries',
  'userPoolResolveTimeoutMs',
  'clockTolerance',
  'maxTokenLength',
  'globalGuard',
  'customCheck',
  'callbackTimeoutMs',
  'transformUser',
  'transformUserMaxAgeMs',
  'transformUserTimeoutMs',
  'jwksTimeoutMs',
  'jwksRefetchIntervalMs',
  'jwksMaxAgeMs',
  'preloadKeys',
  'tokenCacheMaxEntries',
  'revocation',
  'fallbackPolicy',
  'tokenCookie',
  'tokenExtractor',
  'metrics',
] as const satisfies readonly (keyof CognitoAuthOptions)[];

type Listed = (typeof POOL_OPTION_NAMES)[number] | (typeof MODULE_OPTION_NAMES)[number];
type Unlisted<T> = Exclude<keyof T, Listed>;
/** Fails to compile, naming the option, when an option of the interfaces is missing above. */
const everyPoolOptionIsListed: [Unlisted<CognitoUserPoolOptions>] extends [never]
  ? true
  : Unlisted<CognitoUserPoolOptions> = true;
const everyModuleOptionIsListed: [Unlisted<CognitoAuthOptions>] extends [never] ? true : Unlisted<CognitoAuthOptions> =
  true;
void everyPoolOptionIsListed;
void everyModuleOptionIsListed;

const POOL_NAMES: ReadonlySet<string> = new Set(POOL_OPTION_NAMES);
const ALL_NAMES: ReadonlySet<string> = new Set<string>([...POOL_OPTION_NAMES, ...MODULE_OPTION_NAMES]);

/** The option names of `options` that the module does not know, each with a suggestion when one is close. */
export function unknownOptionNames(options: object, scope: 'module' | 'pool'): string[] {
  const known = scope === 'pool' ? POOL_NAMES : ALL_NAMES;
  return Object.keys(options)
    .filter((name) => !known.has(name))
    .map((name) => {
      const suggestion = closestName(name, known);
      return suggestion ? `${name} (did you mean ${suggestion}?)` : name;
    });
}

/** A known name within two edits of `name` (a typo), if there is one. */
function closestName(name: string, known: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}
