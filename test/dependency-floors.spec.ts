/**
 * Dependency floors, read from package-lock.json (npm audit has no endpoint here).
 * Every copy of each package in the lockfile's `packages` map is checked, nested ones included.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface LockEntry {
  version?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
}

const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
};

/** `[major, minor, patch]` of a plain version; prerelease tags count as below the release. */
function parse(version: string): { parts: [number, number, number]; prerelease: boolean } {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(version.trim());
  if (!match) throw new Error(`not a semver version: ${version}`);
  return { parts: [Number(match[1]), Number(match[2]), Number(match[3])], prerelease: match[4] !== undefined };
}

/** -1, 0, 1 as a < b, a = b, a > b (a prerelease is below its release). */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) {
    if (x.parts[i] !== y.parts[i]) return x.parts[i]! < y.parts[i]! ? -1 : 1;
  }
  if (x.prerelease !== y.prerelease) return x.prerelease ? -1 : 1;
  return 0;
}

const atLeast = (floor: string) => (v: string) => compareVersions(v, floor) >= 0;
const major = (v: string) => parse(v).parts[0];

/** Every installed copy of a package: `[lockfile path, version]`. */
function copiesOf(name: string): Array<[string, string]> {
  const copies: Array<[string, string]> = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || !(path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`))) continue;
    if (entry.link) continue;
    expect(entry.version, `${path} has a version`).toBeTypeOf('string');
    copies.push([path, entry.version!]);
  }
  return copies;
}

const FLOORS: ReadonlyArray<{ name: string; rule: string; ok: (version: string) => boolean; required: boolean }> = [
  { name: 'jsonwebtoken', rule: '>= 9.0.3', ok: atLeast('9.0.3'), required: true },
  {
    name: 'jws',
    rule: '>= 4.0.1, or >= 3.2.3 on 3.x',
    ok: (v) => (major(v) === 3 ? atLeast('3.2.3')(v) : atLeast('4.0.1')(v)),
    required: true,
  },
  { name: 'passport-jwt', rule: '4.0.1', ok: (v) => compareVersions(v, '4.0.1') === 0, required: true },
  { name: 'jwks-rsa', rule: '>= 3.2.2', ok: atLeast('3.2.2'), required: true },
  { name: 'jose', rule: '>= 4.15.5', ok: atLeast('4.15.5'), required: true },
];

describe('the version comparison', () => {
  it.each([
    ['9.0.3', '9.0.3', 0],
    ['9.0.2', '9.0.3', -1],
    ['9.0.10', '9.0.3', 1],
    ['10.0.0', '9.99.99', 1],
    ['4.0.1-beta.1', '4.0.1', -1],
    ['4.0.1+build.7', '4.0.1', 0],
    ['3.2.3', '4.0.1', -1],
  ])('%s vs %s → %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });

  it('refuses what is not a version', () => {
    expect(() => compareVersions('^9.0.0', '9.0.0')).toThrow();
    expect(() => compareVersions('latest', '9.0.0')).toThrow();
  });

  it('applies the jws rule per line', () => {
    const jws = FLOORS.find((f) => f.name === 'jws')!;
    expect(['3.2.2', '4.0.0', '2.0.0'].filter(jws.ok)).toEqual([]);
    expect(['3.2.3', '3.3.0', '4.0.1', '5.0.0'].every(jws.ok)).toBe(true);
  });
});

describe('dependency floors in package-lock.json', () => {
  it('is a lockfile v2/v3 with a packages map', () => {
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
    expect(Object.keys(lock.packages).length).toBeGreaterThan(10);
  });

  it.each(FLOORS.map((f) => [f.name, f.rule, f] as const))('every installed %s is %s', (name, rule, floor) => {
    const copies = copiesOf(name);
    if (floor.required) expect(copies.length, `${name} is installed`).toBeGreaterThan(0);
    const below = copies.filter(([, version]) => !floor.ok(version)).map(([path, version]) => `${path}@${version}`);
    expect(below, `copies of ${name} not ${rule}`).toEqual([]);
  });

  it('the direct dependency ranges cannot resolve below the floors', () => {
    const root = lock.packages['']!.dependencies ?? {};
    const lowest = (range: string | undefined) => range?.replace(/^[\^~>=\s]+/, '');
    // jsonwebtoken comes through passport-jwt: the lockfile copies are checked above.
    expect(root.jsonwebtoken).toBeUndefined();
    expect(compareVersions(lowest(root['passport-jwt'])!, '4.0.1')).toBeGreaterThanOrEqual(0);
    expect(compareVersions(lowest(root['jwks-rsa'])!, '3.2.2')).toBeGreaterThanOrEqual(0);
  });

  it('every jsonwebtoken copy depends on a jws range whose floor is patched', () => {
    for (const [path] of copiesOf('jsonwebtoken')) {
      const range = lock.packages[path]!.dependencies?.jws;
      expect(range, `${path} depends on jws`).toBeDefined();
      const floor = range!.replace(/^[\^~>=\s]+/, '');
      expect(
        compareVersions(floor, major(floor) === 3 ? '3.2.3' : '4.0.1'),
        `${path} jws range ${range}`,
      ).toBeGreaterThanOrEqual(0);
    }
  });
});
