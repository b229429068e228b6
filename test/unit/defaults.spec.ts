import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../lib/cognito-auth.constants.js';

/**
 * The defaults live in one place (`DEFAULTS`); the README's Options table and the options'
 * doc comments repeat them for readers, and this suite keeps them equal.
 */
const OPTION_OF: Record<keyof typeof DEFAULTS, string> = {
  tokenUse: 'tokenUse',
  clockToleranceSeconds: 'clockTolerance',
  maxTokenLength: 'maxTokenLength',
  jwksTimeoutMs: 'jwksTimeoutMs',
  jwksRefetchIntervalMs: 'jwksRefetchIntervalMs',
  jwksMaxAgeMs: 'jwksMaxAgeMs',
  preloadKeys: 'preloadKeys',
  tokenCacheMaxEntries: 'tokenCacheMaxEntries',
  callbackTimeoutMs: 'callbackTimeoutMs',
  transformUserMaxAgeMs: 'transformUserMaxAgeMs',
  transformUserTimeoutMs: 'transformUserTimeoutMs',
  userPoolCacheTtlMs: 'userPoolCacheTtlMs',
  userPoolCacheMaxEntries: 'userPoolCacheMaxEntries',
  userPoolResolveTimeoutMs: 'userPoolResolveTimeoutMs',
};

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const optionsSource = readFileSync(
  new URL('../../lib/interfaces/cognito-auth-options.interface.ts', import.meta.url),
  'utf8',
);

/** The default cell of an option's row in the README's Options table. */
function readmeDefault(option: string): string | undefined {
  const row = readme.split('\n').find((line) => line.startsWith(`| \`${option}\` |`));
  return row?.split('|')[2]?.trim();
}

/** The value after "Default" in the doc comment right above the option. */
function docDefault(option: string): string | undefined {
  const match = new RegExp(`/\\*\\*([^*]|\\*(?!/))*?Default:? \`?([^\`.\\s]+)\`?[^/]*\\*/\\s*${option}\\?:`).exec(
    optionsSource,
  );
  return match?.[2];
}

describe('the defaults are stated once and repeated faithfully', () => {
  it.each(Object.entries(OPTION_OF))('%s: the README table shows it', (key, option) => {
    const value = String(DEFAULTS[key as keyof typeof DEFAULTS]);
    const cell = readmeDefault(option);
    expect(cell, `README row for ${option}`).toBeDefined();
    expect(cell!.replace(/[`']/g, '').split(' ')[0]).toBe(value);
  });

  it.each(Object.entries(OPTION_OF))('%s: the option doc comment shows it', (key, option) => {
    expect(docDefault(option)).toBe(String(DEFAULTS[key as keyof typeof DEFAULTS]));
  });
});
