import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REVOCATION_DEFAULTS, resolveRevocationConfig } from '../../lib/revocation/revocation.config.js';

/**
 * The defaults of the `revocation` sub-options live in `REVOCATION_DEFAULTS`; the README's
 * Options table (the `revocation` row) and the sub-options' doc comments repeat them for
 * readers, and this suite keeps them equal.
 */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const interfaceSource = readFileSync(
  new URL('../../lib/interfaces/cognito-revocation.interface.ts', import.meta.url),
  'utf8',
);
const revocationRow = readme.split('\n').find((line) => line.startsWith('| `revocation` |')) ?? '';

/** The value the row gives after the sub-option's name: `keyPrefix` `'cognito-auth:revocations:'`. */
function readmeDefault(option: string): string | undefined {
  return new RegExp(`\`${option}\` \`'?([^\`']+)'?\``).exec(revocationRow)?.[1];
}

/** The doc comment right above the sub-option, flattened to one line. */
function docComment(option: string): string {
  const match = new RegExp(`/\\*\\*((?:[^*]|\\*(?!/))*)\\*/\\s*${option}\\?:`).exec(interfaceSource);
  return (match?.[1] ?? '').replace(/\s*\n\s*\*\s*/g, ' ');
}

const OPTIONS = Object.entries(REVOCATION_DEFAULTS);

describe('the revocation defaults are stated once and repeated faithfully', () => {
  it('a revocation without sub-options resolves to them', () => {
    const { keyPrefix, failurePolicy, maxEntries } = resolveRevocationConfig(undefined);
    expect({ keyPrefix, failurePolicy, maxEntries }).toEqual(REVOCATION_DEFAULTS);
  });

  it.each(OPTIONS)('%s: the README Options table shows it', (option, value) => {
    expect(readmeDefault(option), `README revocation row: ${option}`).toBe(String(value));
  });

  it.each(OPTIONS)('%s: the doc comment shows it', (option, value) => {
    expect(docComment(option)).toMatch(new RegExp(`\`${value}\` \\(default\\)|Default \`?${value}\`?`));
  });
});
